#pragma once
// How long until a service's next round, from its state machine and the round just judged. Pure.
//
// interval_ms in steady state; fast_interval_ms while rising or falling (state_machine.hpp's
// wants_fast_interval); confirm_interval_ms while failures are being counted toward DOWN and the
// last round's failure was hard evidence (check_policy.hpp's hard_evidence: connection_refused,
// REFUSED, or a timeout while the kernel shows the resolver's socket not drained). Soft failures
// (a plain timeout: loss, a slow or busy resolver) keep fast_interval_ms, so random packet loss
// is judged exactly as before; only evidence that loss cannot produce is confirmed faster.
// The same holds toward DEGRADED: UP counting degraded rounds confirms at confirm_interval_ms
// when the degrade checks failed with SERVFAIL only (check_policy.hpp's degrade_evidence).
#include <chrono>
#include <string_view>

#include "sidecar/policy/state_machine.hpp"

namespace sidecar {

struct Periods {
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds fast{200};
  std::chrono::milliseconds confirm{20};
};

// `hard_failure`: the round just judged failed with hard evidence only (RoundVerdict::hard), or
// degraded with degrade evidence only (RoundVerdict::hard_degrade).
std::chrono::milliseconds next_period(const Machine& machine, bool hard_failure,
                                      const Periods& periods);

// Where in its period a service's rounds fall, from its name (FNV-1a): spread evenly over many
// services, the same across restarts and reloads, in [0, period), in steps of 10 ms.
std::chrono::milliseconds round_phase(std::string_view name, std::chrono::milliseconds period);

}  // namespace sidecar
