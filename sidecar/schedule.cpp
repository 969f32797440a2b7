#include "sidecar/schedule.hpp"

#include <algorithm>

namespace sidecar {

std::chrono::milliseconds next_period(const Machine& m, bool hard_failure, const Periods& p) {
  // Counting toward DOWN: FALLING, or DEGRADED with failures (it falls without FALLING).
  const bool confirming =
      m.state == ServiceState::falling || (m.state == ServiceState::degraded && m.failures > 0);
  if (confirming && hard_failure) return std::min(p.confirm, p.fast);
  return wants_fast_interval(m) ? p.fast : p.interval;
}

}  // namespace sidecar
