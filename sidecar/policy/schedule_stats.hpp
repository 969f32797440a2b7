#pragma once
// How late the service rounds start against their plan (the fixed grid of service_runner): a
// cumulative histogram, as Prometheus keeps one, and the largest lag of the last 10-20 s. The
// daemon measures it where the lateness happens (a round's timer fired after its planned time),
// so an operator sees a loop that cannot keep up before probes go missing. Pure: values in, no
// clock read here.
#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace sidecar {

struct ScheduleStats {
  // Upper bounds of the buckets, in milliseconds; a last, implicit one is +Inf.
  static constexpr std::array<double, 12> kBoundsMs{0.1, 0.25, 0.5, 1,   2,   5,
                                                    10,  20,   50,  100, 250, 1000};
  static constexpr double kWindowS = 10;

  std::uint64_t rounds = 0;
  double sum_ms = 0;
  std::array<std::uint64_t, kBoundsMs.size() + 1> counts{};  // per bucket, not cumulative

  // One round that started `lag_ms` after its plan (negative: early, counted as 0), at
  // `now_s` on a monotonic clock in seconds.
  void record(double lag_ms, double now_s);
  // The largest lag recorded in the current and the previous window of kWindowS seconds.
  double recent_max_ms(double now_s) const;
  // Rounds whose lag was at most `bound_ms`, which must be one of kBoundsMs.
  std::uint64_t at_most(double bound_ms) const;

 private:
  double window_start_s_ = 0;
  double max_current_ = 0;
  double max_previous_ = 0;
};

}  // namespace sidecar
