#include "sidecar/policy/check_policy.hpp"

#include <algorithm>

namespace sidecar {

bool policy_healthy(const Policy& policy, const std::vector<probes::CheckResult>& results) {
  auto ok = static_cast<int>(
      std::count_if(results.begin(), results.end(), [](const auto& r) { return r.ok; }));
  auto total = static_cast<int>(results.size());
  switch (policy.kind) {
    case Policy::Kind::all:
      return total > 0 && ok == total;
    case Policy::Kind::any:
      return ok > 0;
    case Policy::Kind::quorum:
      return ok >= policy.quorum && policy.quorum > 0;
  }
  return false;
}

bool hard_evidence(const probes::CheckResult& r, bool stalled) {
  switch (r.reason) {
    case probes::Reason::connection_refused:
    case probes::Reason::refused:
      return true;
    case probes::Reason::timeout:
      return stalled;
    default:
      return false;
  }
}

bool degrade_evidence(const probes::CheckResult& r) {
  return !r.ok && r.reason == probes::Reason::servfail;
}

RoundVerdict judge_round(const Policy& policy, const std::vector<CheckConfig>& checks,
                         const std::vector<probes::CheckResult>& results,
                         const std::vector<bool>& stalled) {
  std::vector<probes::CheckResult> down_results;
  std::vector<bool> down_stalled;
  std::vector<CheckConfig> down_checks, degrade_checks;
  std::vector<probes::CheckResult> degrade_results;
  for (std::size_t i = 0; i < results.size(); ++i) {
    // A result without its check (never in the daemon) is judged as a down check.
    bool degrade = i < checks.size() && checks[i].on_failure == CheckConfig::OnFailure::degrade;
    (degrade ? degrade_results : down_results).push_back(results[i]);
    if (!degrade) down_stalled.push_back(i < stalled.size() && stalled[i]);
    if (i < checks.size()) (degrade ? degrade_checks : down_checks).push_back(checks[i]);
  }
  RoundVerdict v;
  v.healthy = policy_healthy(policy, down_results);
  if (!v.healthy) {
    v.reason = failing_summary(down_checks, down_results);
    bool any_failed = false, all_hard = true, all_refused_connection = true;
    for (std::size_t i = 0; i < down_results.size(); ++i) {
      if (down_results[i].ok) continue;
      any_failed = true;
      all_hard = all_hard && hard_evidence(down_results[i], down_stalled[i]);
      all_refused_connection =
          all_refused_connection && down_results[i].reason == probes::Reason::connection_refused;
    }
    v.hard = any_failed && all_hard;
    v.nothing_listens = any_failed && all_refused_connection;
    return v;
  }
  v.degraded = std::any_of(degrade_results.begin(), degrade_results.end(),
                           [](const auto& r) { return !r.ok; });
  if (v.degraded) {
    v.reason = failing_summary(degrade_checks, degrade_results);
    v.hard_degrade = std::all_of(degrade_results.begin(), degrade_results.end(),
                                 [](const auto& r) { return r.ok || degrade_evidence(r); });
  }
  return v;
}

std::string policy_to_string(const Policy& policy) {
  switch (policy.kind) {
    case Policy::Kind::all:
      return "all";
    case Policy::Kind::any:
      return "any";
    case Policy::Kind::quorum:
      return "quorum " + std::to_string(policy.quorum);
  }
  return "all";
}

std::string failing_summary(const std::vector<CheckConfig>& checks,
                            const std::vector<probes::CheckResult>& results) {
  std::string out;
  for (std::size_t i = 0; i < results.size() && i < checks.size(); ++i) {
    if (results[i].ok) continue;
    if (!out.empty()) out += ", ";
    out += checks[i].name + " " + std::string(probes::to_string(results[i].reason));
    if (!results[i].detail.empty()) out += " (" + results[i].detail + ")";
  }
  return out;
}

}  // namespace sidecar
