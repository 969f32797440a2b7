#pragma once
// The service policy over one round of check results (all / any / quorum). Pure.
#include <string>
#include <vector>

#include "probes/check.hpp"
#include "sidecar/config/config.hpp"

namespace sidecar {

bool policy_healthy(const Policy& policy, const std::vector<probes::CheckResult>& results);

// One round judged with checks[].on_failure: the policy holds over the "down" checks only
// (healthy); degraded when healthy and at least one "degrade" check failed. A degrade check never
// makes the service unhealthy.
struct RoundVerdict {
  bool healthy = false;
  bool degraded = false;
  std::string reason;  // failing down checks when unhealthy, failing degrade checks when degraded
  // Unhealthy, and every failing down check failed with connection_refused: nothing listens (the
  // resolver process is gone), evidence that packet loss or load cannot produce (schedule.hpp).
  bool hard = false;
};
RoundVerdict judge_round(const Policy& policy, const std::vector<CheckConfig>& checks,
                         const std::vector<probes::CheckResult>& results);

std::string policy_to_string(const Policy& policy);  // "all" | "any" | "quorum 2"
// "local-zone: connection_refused (nothing listens...), control: exit_status" for the failing
// checks; empty when all passed.
std::string failing_summary(const std::vector<CheckConfig>& checks,
                            const std::vector<probes::CheckResult>& results);

}  // namespace sidecar
