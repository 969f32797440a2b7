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
  // Unhealthy, and every failing down check failed with hard evidence (hard_evidence below):
  // something packet loss or a busy resolver cannot produce (schedule.hpp).
  bool hard = false;
  // Unhealthy, and every failing down check found nothing listening (connection_refused): no
  // client can be served from this node. Narrower than `hard`: the fleet floor holds a route for
  // any other cause (a hung or refusing resolver may be a shared mistake; a dead one is not).
  bool nothing_listens = false;
  // Healthy but degraded, and every failing degrade check failed with degrade evidence
  // (degrade_evidence below): confirmed at confirm_interval like a hard failure (schedule.hpp).
  bool hard_degrade = false;
};
// `stalled[i]`: when check i's round started, the kernel said the resolver's listening UDP socket
// held client queries it had not read for checks[].stall_ms (probes/queue_policy.hpp). Missing
// entries are false.
RoundVerdict judge_round(const Policy& policy, const std::vector<CheckConfig>& checks,
                         const std::vector<probes::CheckResult>& results,
                         const std::vector<bool>& stalled = {});

// A failure that loss or load cannot produce, so confirming it fast cannot turn 2 % loss or a
// slow resolver into a withdrawal:
// - connection_refused: nothing listens, the resolver process is gone;
// - refused: the resolver answered REFUSED (an ACL or view change); a lost packet yields no
//   answer at all, and a resolver that answers REFUSED to our probe refuses its clients too;
// - timeout while `stalled`: the resolver has read nothing from its socket for stall_ms while
//   queries waited there; dropped packets never reach that queue, and a slow resolver (slow
//   upstream, busy) still drains it.
bool hard_evidence(const probes::CheckResult& result, bool stalled);
// The degrade counterpart: SERVFAIL, the resolver's own answer that it could not recurse. A lost
// packet yields no answer (timeout) and a slow upstream a late one (`slow`); a resolver that
// answers our probe SERVFAIL answers its clients the same for as long, so confirming it at
// confirm_interval spares them up to (fall - 1) x fast_interval of failures.
bool degrade_evidence(const probes::CheckResult& result);

std::string policy_to_string(const Policy& policy);  // "all" | "any" | "quorum 2"
// "local-zone: connection_refused (nothing listens...), control: exit_status" for the failing
// checks; empty when all passed.
std::string failing_summary(const std::vector<CheckConfig>& checks,
                            const std::vector<probes::CheckResult>& results);

}  // namespace sidecar
