// The watch's decisions (probes/watch_policy.hpp): reconnect at once after a long-lived
// connection, a bucket for young ones, a refusal is news only after a passing round, so is a
// close before the learned idle timeout, retries paced by the interval or the next passing
// round, and a server that never serves TCP disabled.
#include <catch2/catch.hpp>

#include "probes/watch_policy.hpp"

using namespace std::chrono_literals;
using probes::WatchPolicy;
using Phase = WatchPolicy::Phase;

namespace {
const WatchPolicy::Clock::time_point t0 = WatchPolicy::Clock::time_point{} + 1000s;

// A policy connected at t0 + at, after a first passing round.
WatchPolicy connected_at(std::chrono::milliseconds at = 0ms) {
  WatchPolicy p({}, t0);
  p.check_result(true, t0);
  p.connecting(t0 + at);
  p.connected(t0 + at);
  return p;
}
}  // namespace

TEST_CASE("watch: starts waiting, connects at once") {
  WatchPolicy p({}, t0);
  CHECK(p.phase() == Phase::waiting);
  CHECK(p.connect_at() == t0);
  p.connecting(t0);
  CHECK(p.phase() == Phase::connecting);
  p.connected(t0);
  CHECK(p.phase() == Phase::connected);
}

TEST_CASE("watch: the kill: a long-lived connection closes, refused reconnect triggers a round") {
  auto p = connected_at();
  p.closed(t0 + 30s);
  CHECK(p.phase() == Phase::waiting);
  CHECK(p.connect_at() == t0 + 30s);
  p.connecting(t0 + 30s);
  auto d = p.refused(t0 + 30s);
  CHECK(d.trigger_round);
  CHECK_FALSE(d.disabled_now);
  CHECK(p.connect_at() == t0 + 31s);  // retry after the interval
}

TEST_CASE("watch: idle timeout: learned from the first close, then no news") {
  auto p = connected_at();
  // Not known yet: the first close is news (one early round), and the reconnect succeeds.
  CHECK(p.closed(t0 + 30s).trigger_round);
  CHECK_FALSE(p.idle_lifetime());
  p.connecting(t0 + 30s);
  p.connected(t0 + 30s);
  CHECK(p.phase() == Phase::connected);
  p.check_result(true, t0 + 30s + 20ms);  // the early round passes: benign, learned
  REQUIRE(p.idle_lifetime());
  CHECK(*p.idle_lifetime() == 30s);
  // Every later idle close, at about the same lifetime, is no news.
  auto now = t0 + 30s;
  for (int i = 0; i < 5; ++i) {
    auto lived = 30s + std::chrono::milliseconds(i * 50);
    CHECK_FALSE(p.closed(now + lived).trigger_round);
    now += lived;
    p.connecting(now);
    p.connected(now);
    p.check_result(true, now + 100ms);
  }
  CHECK(*p.idle_lifetime() == 30s + 200ms);  // it follows a drift
}

TEST_CASE("watch: a reload: the server ends the connection early, the reconnect is accepted") {
  auto p = connected_at();
  p.closed(t0 + 30s);
  p.connecting(t0 + 30s);
  p.connected(t0 + 30s);
  p.check_result(true, t0 + 30s + 20ms);
  REQUIRE(p.idle_lifetime());
  // `unbound-control reload` 12 s into the next connection: news, whatever the reconnect does.
  auto d = p.closed(t0 + 42s);
  CHECK(d.trigger_round);
  CHECK(p.connect_at() == t0 + 42s);  // reconnect at once
  p.connecting(t0 + 42s);
  p.connected(t0 + 42s);
  // The early round finds REFUSED: nothing is learned from that close.
  p.check_result(false, t0 + 42s + 20ms);
  CHECK(*p.idle_lifetime() == 30s);
  // While the check fails, an early close is no news (the schedule is already fast).
  CHECK_FALSE(p.closed(t0 + 45s).trigger_round);
}

TEST_CASE(
    "watch: at 90 % of the idle timeout or later a close is the timeout; a raised one is "
    "followed") {
  auto p = connected_at();
  p.closed(t0 + 10s);
  p.check_result(true, t0 + 10s + 20ms);
  REQUIRE(*p.idle_lifetime() == 10s);
  p.connecting(t0 + 10s);
  p.connected(t0 + 10s);
  CHECK_FALSE(p.closed(t0 + 19s).trigger_round);  // 9 s: 90 %
  p.connecting(t0 + 19s);
  p.connected(t0 + 19s);
  CHECK_FALSE(p.closed(t0 + 49s).trigger_round);  // 30 s: raised
  CHECK(*p.idle_lifetime() == 30s);
  p.connecting(t0 + 49s);
  p.connected(t0 + 49s);
  CHECK(p.closed(t0 + 49s + 26999ms).trigger_round);  // under 90 % of 30 s
}

TEST_CASE("watch: a lowered idle timeout costs one early round, then it is learned") {
  auto p = connected_at();
  p.closed(t0 + 30s);
  p.check_result(true, t0 + 30s + 20ms);
  auto now = t0 + 30s;
  int early = 0;
  for (int i = 0; i < 5; ++i) {
    p.connecting(now);
    p.connected(now);
    now += 5s;  // the operator lowered it to 5 s
    if (p.closed(now).trigger_round) ++early;
    p.check_result(true, now + 20ms);
  }
  CHECK(early == 1);
  CHECK(*p.idle_lifetime() == 5s);
}

TEST_CASE("watch: nothing is news before the first passing round") {
  WatchPolicy p({}, t0);
  p.connecting(t0);
  p.connected(t0);
  CHECK_FALSE(p.closed(t0 + 30s).trigger_round);
}

TEST_CASE("watch: the listener outlives the connection by a moment: accepted, reset, refused") {
  auto p = connected_at();
  p.closed(t0 + 5s);
  p.connecting(t0 + 5s);
  p.connected(t0 + 5s);
  p.closed(t0 + 5s + 1ms);  // young: a token, still at once
  CHECK(p.connect_at() == t0 + 5s + 1ms);
  p.connecting(t0 + 5s + 1ms);
  CHECK(p.refused(t0 + 5s + 1ms).trigger_round);
}

TEST_CASE("watch: connections dying young cost at most one connect per second after a burst") {
  auto p = connected_at();
  auto now = t0;
  int at_once = 0;
  for (int i = 0; i < 10; ++i) {
    CHECK_FALSE(p.closed(now).trigger_round);  // young: never news, never a probe
    if (p.connect_at() == now) ++at_once;
    now = p.connect_at();
    p.connecting(now);
    p.connected(now);
  }
  CHECK(at_once == 3);  // the burst
  // Ten young deaths took at least 7 s: one per second once the burst is spent.
  CHECK(now - t0 >= 6900ms);
  CHECK(now - t0 <= 7100ms);
  // A connection that lives a second refills the bucket: the next close reconnects at once.
  p.closed(now + 2s);
  CHECK(p.connect_at() == now + 2s);
}

TEST_CASE("watch: a refusal while the check is already failing is no news") {
  auto p = connected_at();
  p.check_result(false, t0 + 1s);
  p.closed(t0 + 2s);
  p.connecting(t0 + 2s);
  CHECK_FALSE(p.refused(t0 + 2s).trigger_round);
}

TEST_CASE("watch: refused at start (no round yet) triggers nothing") {
  WatchPolicy p({}, t0);
  p.connecting(t0);
  CHECK_FALSE(p.refused(t0).trigger_round);
  CHECK(p.connect_at() == t0 + 1s);
}

TEST_CASE("watch: while refused, a passing round reconnects at once, a failing one does not") {
  auto p = connected_at();
  p.closed(t0 + 10s);
  p.connecting(t0 + 10s);
  REQUIRE(p.refused(t0 + 10s).trigger_round);
  CHECK_FALSE(p.check_result(false, t0 + 10s + 20ms));
  CHECK(p.connect_at() == t0 + 11s);
  CHECK(p.check_result(true, t0 + 10s + 500ms));  // the resolver answers again
  CHECK(p.connect_at() == t0 + 10s + 500ms);
  CHECK_FALSE(p.check_result(true, t0 + 10s + 600ms));  // already due: nothing moves
}

TEST_CASE("watch: a passing round while connected or after a plain failure moves nothing") {
  auto p = connected_at();
  CHECK_FALSE(p.check_result(true, t0 + 1s));
  WatchPolicy q({}, t0);
  q.connecting(t0);
  q.failed(t0);  // SYN unanswered: no evidence
  CHECK(q.connect_at() == t0 + 1s);
  CHECK_FALSE(q.check_result(true, t0 + 100ms));
}

TEST_CASE("watch: a server that refuses TCP while its DNS answers is disabled after 3") {
  WatchPolicy p({}, t0);
  p.connecting(t0);
  p.refused(t0);  // before any round: not counted
  auto now = t0;
  int triggered = 0;
  WatchPolicy::Decision d;
  for (int i = 0; i < 3; ++i) {
    now += 200ms;
    p.check_result(true, now);  // the UDP probe passes
    p.connecting(now);
    d = p.refused(now);
    if (d.trigger_round) ++triggered;
  }
  CHECK(d.disabled_now);
  CHECK(triggered == 2);  // at most two extra rounds before giving up
  CHECK(p.phase() == Phase::disabled);
  // Disabled is final: nothing moves it.
  CHECK_FALSE(p.check_result(true, now + 1s));
  p.closed(now + 2s);
  CHECK(p.phase() == Phase::disabled);
  CHECK_FALSE(p.refused(now + 3s).trigger_round);
}

TEST_CASE("watch: a failing round between refusals resets the count (a real death)") {
  auto p = connected_at();
  auto now = t0;
  for (int i = 0; i < 10; ++i) {
    now += 5s;
    p.check_result(true, now);
    p.closed(now);
    p.connecting(now);
    CHECK(p.refused(now).trigger_round);
    p.check_result(false, now + 20ms);  // the triggered round fails
    p.connecting(now + 1s);
    p.connected(now + 1s);
  }
  CHECK(p.phase() != Phase::disabled);
}

TEST_CASE("watch: a successful connect resets the refusal count") {
  WatchPolicy p({}, t0);
  p.check_result(true, t0);
  for (int i = 0; i < 5; ++i) {
    p.connecting(t0);
    CHECK(p.refused(t0).trigger_round);  // never disabled: each refusal followed a connect
    p.connecting(t0);
    p.connected(t0);
  }
  CHECK(p.phase() == Phase::connected);
}
