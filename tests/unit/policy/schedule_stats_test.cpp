// Round lag accounting (status file "schedule", metric anycast_sidecar_round_lag_seconds) and the
// phase that spreads many services' rounds over their period.
#include <catch2/catch.hpp>

#include "sidecar/policy/schedule_stats.hpp"

using sidecar::ScheduleStats;

TEST_CASE("schedule stats: buckets are upper bounds, early counts as on time") {
  ScheduleStats s;
  s.record(-3.0, 0.0);  // early: 0
  s.record(0.1, 0.0);   // exactly a bound: in it
  s.record(0.11, 0.0);  // just above: the next
  s.record(4.0, 0.0);
  s.record(5000.0, 0.0);  // beyond the last bound: +Inf
  CHECK(s.rounds == 5);
  CHECK(s.counts[0] == 2);
  CHECK(s.counts[1] == 1);
  CHECK(s.at_most(0.1) == 2);
  CHECK(s.at_most(5) == 4);
  CHECK(s.at_most(1000) == 4);
  CHECK(s.counts.back() == 1);
  CHECK(s.sum_ms == Approx(5004.21));
}

TEST_CASE("schedule stats: the recent maximum covers the current and the previous window") {
  ScheduleStats s;
  s.record(8.0, 100.0);
  s.record(1.0, 105.0);
  CHECK(s.recent_max_ms(105.0) == 8.0);
  s.record(2.0, 111.0);  // a new window starts: the 8 ms is the previous one's
  CHECK(s.recent_max_ms(111.0) == 8.0);
  s.record(1.0, 122.0);  // and now it is gone
  CHECK(s.recent_max_ms(122.0) == 2.0);
  // Nothing recorded for two windows: nothing recent.
  CHECK(s.recent_max_ms(145.0) == 0.0);
  s.record(3.0, 150.0);  // after a long gap the previous window is empty, not the old one
  CHECK(s.recent_max_ms(150.0) == 3.0);
}
