// The hung-resolver evidence (probes/queue_policy.hpp) over sample sequences: a stopped
// resolver's queue (growing, then full with drops) is a stall after the window; a running
// resolver's (empty, or shrinking between samples), a quiet one's (no growth), a restarted one's
// (socket gone) never are; the onset is news at most once per min_gap; a probe is unread only
// when the run began before it was sent and lasted `hold` after.
#include <catch2/catch.hpp>

#include <optional>
#include <vector>

#include "probes/queue_policy.hpp"

using namespace std::chrono_literals;
using probes::QueuePolicy;
using probes::QueueSample;

namespace {
const QueuePolicy::Clock::time_point t0 = QueuePolicy::Clock::time_point{} + 1000s;
const QueuePolicy::Tuning kTuning{100ms, 1000ms};

QueueSample q(std::uint64_t queued, std::uint64_t drops = 0) {
  return QueueSample{true, queued, drops};
}
const QueueSample kGone{};

// Feeds samples 20 ms apart from t0 + start; returns the indices that triggered.
std::vector<int> feed(QueuePolicy& p, const std::vector<QueueSample>& samples,
                      std::chrono::milliseconds start = 0ms) {
  std::vector<int> triggers;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    if (p.sample(samples[i], t0 + start + 20ms * static_cast<int>(i)).trigger) {
      triggers.push_back(static_cast<int>(i));
    }
  }
  return triggers;
}
}  // namespace

TEST_CASE("queue: a stopped resolver's growing queue is a stall after the window") {
  QueuePolicy p(kTuning);
  // SIGSTOP between samples 0 and 1: ~7 queries (768 bytes each) per 20 ms pile up.
  auto triggers = feed(p, {q(0), q(768), q(6144), q(11520), q(16896), q(22272), q(27648)});
  // The run begins at sample 1 (t0 + 20 ms); the window is full at sample 6 (t0 + 120 ms).
  CHECK(triggers == std::vector<int>{6});
  CHECK(p.stalled());
  REQUIRE(p.unread_since());
  CHECK(*p.unread_since() == t0 + 20ms);
  CHECK(p.queued() == 27648);
}

TEST_CASE("queue: a full buffer (queue flat, drops growing) stays a stall") {
  QueuePolicy p(kTuning);
  feed(p, {q(768), q(200000), q(212992, 3), q(212992, 10), q(212992, 17), q(212992, 24)});
  CHECK(p.stalled());
  p.sample(q(212992, 31), t0 + 120ms);
  CHECK(p.stalled());
}

TEST_CASE("queue: a running resolver never stalls") {
  QueuePolicy p(kTuning);
  SECTION("empty at every sample") {
    CHECK(feed(p, std::vector<QueueSample>(50, q(0))).empty());
  }
  SECTION("busy: non-empty, but it shrinks now and then") {
    std::vector<QueueSample> s;
    for (int i = 0; i < 50; ++i) s.push_back(q(768 * static_cast<std::uint64_t>(1 + i % 4)));
    CHECK(feed(p, s).empty());
    CHECK_FALSE(p.stalled());
  }
  SECTION("a flat, non-empty queue with no arrivals: nobody is asking, no evidence") {
    CHECK(feed(p, std::vector<QueueSample>(50, q(768))).empty());
    CHECK_FALSE(p.stalled());
  }
  SECTION("stall shorter than the window (a 60 ms pause, a busy machine)") {
    CHECK(feed(p, {q(0), q(768), q(1536), q(2304), q(0), q(0)}).empty());
    CHECK_FALSE(p.stalled());
  }
}

TEST_CASE("queue: the socket gone (a restart, a kill) ends the run") {
  QueuePolicy p(kTuning);
  feed(p, {q(768), q(1536), q(2304), q(3072), q(3840), q(4608)});
  CHECK(p.stalled());
  p.sample(kGone, t0 + 120ms);
  CHECK_FALSE(p.stalled());
  CHECK_FALSE(p.unread_since());
  // The restarted resolver's new socket starts from nothing: no stall carried over.
  p.sample(q(768), t0 + 140ms);
  CHECK_FALSE(p.stalled());
  CHECK(*p.unread_since() == t0 + 140ms);
}

TEST_CASE("queue: news at the onset, at most once per min_gap") {
  QueuePolicy p(kTuning);
  std::vector<QueueSample> stall = {q(768), q(1536), q(2304), q(3072), q(3840), q(4608), q(5376)};
  CHECK(feed(p, stall) == std::vector<int>{5});
  // It drains (SIGCONT) and stalls again 300 ms later: inside min_gap, no second trigger, but
  // the evidence itself is there (a round in flight may use it).
  p.sample(q(0), t0 + 140ms);
  CHECK(feed(p, stall, 300ms).empty());
  CHECK(p.stalled());
  // A stall after min_gap is news again.
  p.sample(q(0), t0 + 1100ms);
  CHECK(feed(p, stall, 1200ms) == std::vector<int>{5});
}

TEST_CASE("queue: a probe is unread only inside the run and after `hold`") {
  QueuePolicy p(kTuning);
  feed(p, {q(768), q(1536), q(2304), q(3072), q(3840), q(4608)});  // run from t0, to t0 + 100
  // Sent at t0 + 40: the latest sample (t0 + 100) is 60 ms later.
  CHECK(p.unread_through(t0 + 40ms, 50ms, t0 + 100ms));
  CHECK_FALSE(p.unread_through(t0 + 40ms, 70ms, t0 + 100ms));
  // Sent before the run began: the resolver may have read it (and answered) before stopping.
  CHECK_FALSE(p.unread_through(t0 - 10ms, 50ms, t0 + 100ms));
  // The run broken after the send: no.
  p.sample(q(0), t0 + 120ms);
  CHECK_FALSE(p.unread_through(t0 + 40ms, 50ms, t0 + 120ms));
}

TEST_CASE("queue: two samples per window while empty, five while a run is on") {
  QueuePolicy p(kTuning);
  CHECK(p.next_sample_in() == 50ms);  // nothing sampled yet
  p.sample(q(0), t0);
  CHECK(p.next_sample_in() == 50ms);
  p.sample(q(768), t0 + 50ms);
  CHECK(p.next_sample_in() == 20ms);
  p.sample(q(0), t0 + 70ms);  // drained: the run is over
  CHECK(p.next_sample_in() == 50ms);
  p.sample(kGone, t0 + 120ms);
  CHECK(p.next_sample_in() == 50ms);
  // Never faster than 5 ms, whatever the window.
  QueuePolicy tiny({10ms, 1000ms});
  tiny.sample(q(768), t0);
  CHECK(tiny.next_sample_in() == 5ms);
}

TEST_CASE("queue: on the policy's own schedule a stall is news within 1.7 windows of the stop") {
  // The resolver stops at `stop` (every 3 ms phase of the idle grid); from then on one query
  // (768 bytes) a millisecond piles up. Samples come when next_sample_in() says.
  for (int phase = 0; phase < 60; phase += 3) {
    QueuePolicy p(kTuning);
    const auto stop = t0 + 200ms + std::chrono::milliseconds(phase);
    auto at = t0;
    std::optional<QueuePolicy::Clock::time_point> news;
    while (!news && at < stop + 1s) {
      const auto queued = at <= stop ? 0 : 768 * ((at - stop) / 1ms);
      if (p.sample(q(static_cast<std::uint64_t>(queued)), at).trigger) news = at;
      at += p.next_sample_in();
    }
    INFO("stop at idle-grid phase " << phase << " ms");
    REQUIRE(news);
    CHECK(*news - stop >= kTuning.window);
    CHECK(*news - stop <= kTuning.window * 17 / 10);
  }
}
