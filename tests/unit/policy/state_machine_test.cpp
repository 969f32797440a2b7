// The rise/fall machine: every state x {healthy, unhealthy, maintenance}, rise/fall 1 and >1,
// hold-down deferral and expiry, INIT behaviour.
#include <catch2/catch.hpp>

#include "fixtures/state_machine.hpp"
#include "sidecar/policy/state_machine.hpp"

using fixtures::healthy;
using fixtures::in;
using fixtures::maintenance;
using fixtures::params;
using fixtures::t0;
using fixtures::unhealthy;
using sidecar::Machine;
using sidecar::MachineParams;
using sidecar::Observation;
using sidecar::ServiceState;
using sidecar::step;
using namespace std::chrono_literals;

TEST_CASE("to_string uses ExaBGP's healthcheck names in lower case") {
  CHECK(sidecar::to_string(ServiceState::init) == "init");
  CHECK(sidecar::to_string(ServiceState::rising) == "rising");
  CHECK(sidecar::to_string(ServiceState::up) == "up");
  CHECK(sidecar::to_string(ServiceState::falling) == "falling");
  CHECK(sidecar::to_string(ServiceState::down) == "down");
  CHECK(sidecar::to_string(ServiceState::disabled) == "disabled");
}

TEST_CASE("fast interval while the verdict is undecided") {
  CHECK(sidecar::wants_fast_interval(ServiceState::init));
  CHECK(sidecar::wants_fast_interval(ServiceState::rising));
  CHECK(sidecar::wants_fast_interval(ServiceState::falling));
  CHECK_FALSE(sidecar::wants_fast_interval(ServiceState::up));
  CHECK_FALSE(sidecar::wants_fast_interval(ServiceState::down));
  CHECK_FALSE(sidecar::wants_fast_interval(ServiceState::disabled));
}

TEST_CASE("INIT: healthy rises, unhealthy withdraws at once") {
  auto s = step(in(ServiceState::init), healthy(), params(3, 3));
  CHECK(s.next.state == ServiceState::rising);
  CHECK(s.next.successes == 1);
  REQUIRE(s.transition);
  CHECK(s.transition->from == ServiceState::init);
  CHECK(s.transition->reason == "1 success");
  CHECK(s.next.since == t0);

  s = step(in(ServiceState::init), healthy(), params(1, 3));
  CHECK(s.next.state == ServiceState::up);
  CHECK(s.next.last_up == t0);

  s = step(in(ServiceState::init), unhealthy(), params(3, 3));
  CHECK(s.next.state == ServiceState::down);
  CHECK(s.next.failures == 1);
  REQUIRE(s.transition);
  CHECK(s.transition->reason == "1 failure: local-zone connection_refused");
}

TEST_CASE("a restarted sidecar needs rise successes before UP") {
  MachineParams p = params(3, 3, 5000ms);
  Machine m;
  m = step(m, healthy(0s), p).next;
  CHECK(m.state == ServiceState::rising);
  m = step(m, healthy(1s), p).next;
  CHECK(m.state == ServiceState::rising);
  CHECK(m.successes == 2);
  auto s = step(m, healthy(2s), p);
  CHECK(s.next.state == ServiceState::up);
  REQUIRE(s.transition);
  CHECK(s.transition->reason == "3 successes");  // the very first UP is never deferred
}

TEST_CASE("RISING") {
  SECTION("healthy counts up, reaching rise goes UP") {
    auto s = step(in(ServiceState::rising, 1), healthy(), params(3, 3));
    CHECK(s.next.state == ServiceState::rising);
    CHECK(s.next.successes == 2);
    CHECK_FALSE(s.transition);
    s = step(s.next, healthy(), params(3, 3));
    CHECK(s.next.state == ServiceState::up);
    CHECK(s.transition->from == ServiceState::rising);
    CHECK(s.transition->to == ServiceState::up);
  }
  SECTION("unhealthy goes DOWN with one failure") {
    auto s = step(in(ServiceState::rising, 2), unhealthy(), params(3, 3));
    CHECK(s.next.state == ServiceState::down);
    CHECK(s.next.failures == 1);
    CHECK(s.next.successes == 0);
  }
  SECTION("maintenance disables") {
    auto s = step(in(ServiceState::rising, 2), maintenance(), params(3, 3));
    CHECK(s.next.state == ServiceState::disabled);
    CHECK(s.transition->reason == "maintenance: upgrade");
  }
}

TEST_CASE("UP") {
  SECTION("healthy stays, no transition") {
    auto s = step(in(ServiceState::up, 5), healthy(), params(3, 3));
    CHECK(s.next.state == ServiceState::up);
    CHECK_FALSE(s.transition);
  }
  SECTION("unhealthy falls, fall==1 goes DOWN at once") {
    auto s = step(in(ServiceState::up, 5), unhealthy(), params(3, 3));
    CHECK(s.next.state == ServiceState::falling);
    CHECK(s.next.failures == 1);
    s = step(in(ServiceState::up, 5), unhealthy(), params(3, 1));
    CHECK(s.next.state == ServiceState::down);
    CHECK(s.transition->reason == "1 failure: local-zone connection_refused");
  }
  SECTION("maintenance disables") {
    auto s = step(in(ServiceState::up, 5), maintenance(), params(3, 3));
    CHECK(s.next.state == ServiceState::disabled);
  }
}

TEST_CASE("FALLING") {
  SECTION("unhealthy counts up, reaching fall goes DOWN") {
    auto s = step(in(ServiceState::falling, 0, 1), unhealthy(), params(3, 3));
    CHECK(s.next.state == ServiceState::falling);
    CHECK(s.next.failures == 2);
    CHECK_FALSE(s.transition);
    s = step(s.next, unhealthy(), params(3, 3));
    CHECK(s.next.state == ServiceState::down);
    CHECK(s.transition->reason == "3 failures: local-zone connection_refused");
  }
  SECTION("healthy returns to UP") {
    auto s = step(in(ServiceState::falling, 0, 2), healthy(), params(3, 3));
    CHECK(s.next.state == ServiceState::up);
    CHECK(s.next.failures == 0);
    REQUIRE(s.transition);
  }
  SECTION("maintenance disables") {
    CHECK(step(in(ServiceState::falling, 0, 1), maintenance(), params(3, 3)).next.state ==
          ServiceState::disabled);
  }
}

TEST_CASE("DOWN") {
  SECTION("unhealthy stays") {
    auto s = step(in(ServiceState::down, 0, 4), unhealthy(), params(3, 3));
    CHECK(s.next.state == ServiceState::down);
    CHECK_FALSE(s.transition);
  }
  SECTION("healthy rises, rise==1 goes UP") {
    auto s = step(in(ServiceState::down, 0, 4), healthy(), params(3, 3));
    CHECK(s.next.state == ServiceState::rising);
    CHECK(s.next.successes == 1);
    s = step(in(ServiceState::down, 0, 4), healthy(), params(1, 3));
    CHECK(s.next.state == ServiceState::up);
  }
  SECTION("maintenance disables") {
    CHECK(step(in(ServiceState::down), maintenance(), params(3, 3)).next.state ==
          ServiceState::disabled);
  }
}

TEST_CASE("DISABLED") {
  SECTION("maintenance continuing is not a transition") {
    auto s = step(in(ServiceState::disabled), maintenance(), params(3, 3));
    CHECK(s.next.state == ServiceState::disabled);
    CHECK_FALSE(s.transition);
  }
  SECTION("maintenance ended behaves as from INIT") {
    auto s = step(in(ServiceState::disabled), healthy(), params(3, 3));
    CHECK(s.next.state == ServiceState::rising);
    CHECK(s.transition->from == ServiceState::disabled);
    CHECK(s.transition->reason == "maintenance ended, 1 success");
    s = step(in(ServiceState::disabled), healthy(), params(1, 3));
    CHECK(s.next.state == ServiceState::up);
    s = step(in(ServiceState::disabled), unhealthy(), params(3, 3));
    CHECK(s.next.state == ServiceState::down);
    CHECK(s.transition->reason == "maintenance ended, 1 failure: local-zone connection_refused");
  }
  SECTION("maintenance without a reason") {
    Observation o = maintenance();
    o.reason.clear();
    CHECK(step(in(ServiceState::up), o, params(3, 3)).transition->reason == "maintenance");
  }
}

TEST_CASE("hold-down defers a re-announce, never a withdraw") {
  MachineParams p = params(2, 1, 5000ms);
  Machine m = in(ServiceState::up);
  m.last_up = t0;
  // Withdraw at once even right after an announce.
  auto s = step(m, unhealthy(100ms), p);
  CHECK(s.next.state == ServiceState::down);
  m = s.next;
  m = step(m, healthy(200ms), p).next;
  CHECK(m.state == ServiceState::rising);
  s = step(m, healthy(300ms), p);
  CHECK(s.next.state == ServiceState::rising);  // deferred: 4.7 s of hold-down left
  CHECK(s.next.successes == 2);                 // capped at rise
  CHECK_FALSE(s.transition);
  s = step(s.next, healthy(4900ms), p);
  CHECK(s.next.state == ServiceState::rising);
  CHECK(s.next.successes == 2);
  s = step(s.next, healthy(5000ms), p);  // expired
  CHECK(s.next.state == ServiceState::up);
  CHECK(s.next.last_up == t0 + 5000ms);
  REQUIRE(s.transition);
  CHECK(s.transition->reason == "2 successes");
}

TEST_CASE("hold-down with rise 1 from DOWN stays RISING until expiry") {
  MachineParams p = params(1, 1, 5000ms);
  Machine m = in(ServiceState::down);
  m.last_up = t0;
  auto s = step(m, healthy(1s), p);
  CHECK(s.next.state == ServiceState::rising);
  s = step(s.next, healthy(6s), p);
  CHECK(s.next.state == ServiceState::up);
}

TEST_CASE("hold-down 0 disables it") {
  MachineParams p = params(1, 1, 0ms);
  Machine m = in(ServiceState::down);
  m.last_up = t0;
  CHECK(step(m, healthy(1ms), p).next.state == ServiceState::up);
}
