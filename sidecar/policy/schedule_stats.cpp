#include "sidecar/policy/schedule_stats.hpp"

#include <algorithm>

namespace sidecar {

void ScheduleStats::record(double lag_ms, double now_s) {
  lag_ms = std::max(0.0, lag_ms);
  ++rounds;
  sum_ms += lag_ms;
  auto it = std::lower_bound(kBoundsMs.begin(), kBoundsMs.end(), lag_ms);
  ++counts[static_cast<std::size_t>(it - kBoundsMs.begin())];
  if (now_s - window_start_s_ >= kWindowS) {
    // A gap longer than two windows leaves nothing recent to remember.
    max_previous_ = now_s - window_start_s_ >= 2 * kWindowS ? 0 : max_current_;
    max_current_ = 0;
    window_start_s_ = now_s;
  }
  max_current_ = std::max(max_current_, lag_ms);
}

double ScheduleStats::recent_max_ms(double now_s) const {
  if (now_s - window_start_s_ >= 2 * kWindowS) return 0;
  if (now_s - window_start_s_ >= kWindowS) return max_current_;
  return std::max(max_current_, max_previous_);
}

std::uint64_t ScheduleStats::at_most(double bound_ms) const {
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < kBoundsMs.size() && kBoundsMs[i] <= bound_ms; ++i) n += counts[i];
  return n;
}
}  // namespace sidecar
