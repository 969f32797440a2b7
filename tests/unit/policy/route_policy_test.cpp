// From service state to the command per route: which attributes, and when nothing is sent.
#include <catch2/catch.hpp>

#include "fixtures/service_config.hpp"
#include "sidecar/policy/route_policy.hpp"

using sidecar::Desired;
using sidecar::ServiceState;

namespace {

sidecar::ServiceConfig service() {
  sidecar::ServiceConfig s = fixtures::service("resolver");
  sidecar::RouteConfig plain = fixtures::route("192.0.2.53/32");
  plain.attributes.med = 100;
  s.routes.push_back(plain);

  sidecar::RouteConfig degraded = plain;
  degraded.route.prefix = *bridge::parse_prefix("198.51.100.53/32");
  bridge::Attributes worse;
  worse.med = 1000;
  worse.community = {"65000:666"};
  degraded.when_down = worse;
  bridge::Attributes drained;
  drained.med = 2000;
  degraded.when_disabled = drained;
  s.routes.push_back(degraded);
  return s;
}

}  // namespace

TEST_CASE("desired state per service state") {
  auto s = service();
  const auto& plain = s.routes[0];
  const auto& degraded = s.routes[1];
  CHECK(sidecar::desired_for(ServiceState::init, plain) == Desired::none);
  CHECK(sidecar::desired_for(ServiceState::up, plain) == Desired::announce);
  CHECK(sidecar::desired_for(ServiceState::falling, plain) == Desired::announce);
  CHECK(sidecar::desired_for(ServiceState::rising, plain) == Desired::withdraw);
  CHECK(sidecar::desired_for(ServiceState::down, plain) == Desired::withdraw);
  CHECK(sidecar::desired_for(ServiceState::disabled, plain) == Desired::withdraw);
  CHECK(sidecar::desired_for(ServiceState::init, degraded) == Desired::none);
  CHECK(sidecar::desired_for(ServiceState::up, degraded) == Desired::announce);
  CHECK(sidecar::desired_for(ServiceState::rising, degraded) == Desired::announce_down);
  CHECK(sidecar::desired_for(ServiceState::down, degraded) == Desired::announce_down);
  CHECK(sidecar::desired_for(ServiceState::disabled, degraded) == Desired::announce_down);
}

TEST_CASE("desired names match the status file vocabulary") {
  CHECK(sidecar::to_string(Desired::announce) == "announce");
  CHECK(sidecar::to_string(Desired::announce_down) == "announce-down");
  CHECK(sidecar::to_string(Desired::withdraw) == "withdraw");
  CHECK(sidecar::to_string(Desired::none) == "none");
}

TEST_CASE("commands per state") {
  auto s = service();
  SECTION("UP announces with the route's attributes") {
    auto cmds = sidecar::commands_for(ServiceState::up, s);
    REQUIRE(cmds.size() == 2);
    CHECK(cmds[0].line == "announce route 192.0.2.53/32 next-hop self med 100");
    CHECK(cmds[0].key == bridge::route_key(s.routes[0].route));
    CHECK(cmds[1].line == bridge::format_announce(s.routes[1].route, s.routes[1].attributes));
  }
  SECTION("DOWN: withdraw, or announce with when_down replacing the attributes") {
    auto cmds = sidecar::commands_for(ServiceState::down, s);
    REQUIRE(cmds.size() == 2);
    CHECK(cmds[0].desired == Desired::withdraw);
    CHECK(cmds[0].line == "withdraw route 192.0.2.53/32 next-hop self");
    CHECK(cmds[1].desired == Desired::announce_down);
    CHECK(cmds[1].line ==
          "announce route 198.51.100.53/32 next-hop self med 1000 community [65000:666]");
  }
  SECTION("DISABLED applies when_disabled") {
    auto cmds = sidecar::commands_for(ServiceState::disabled, s);
    CHECK(cmds[1].line == "announce route 198.51.100.53/32 next-hop self med 2000");
  }
  SECTION("INIT sends nothing") {
    for (const auto& c : sidecar::commands_for(ServiceState::init, s)) {
      CHECK(c.desired == Desired::none);
      CHECK(c.line.empty());
    }
  }
}

namespace {

// A route drained (RFC 8326) for 3 s, one for 1 s, and one without a drain.
sidecar::ServiceConfig drained_service() {
  sidecar::ServiceConfig s = fixtures::service("resolver");
  sidecar::RouteConfig slow = fixtures::route("192.0.2.53/32");
  slow.attributes.med = 100;
  slow.when_disabled = sidecar::drain_attributes(slow.attributes);
  slow.drain = std::chrono::milliseconds(3000);
  sidecar::RouteConfig quick = slow;
  quick.route.prefix = *bridge::parse_prefix("198.51.100.53/32");
  quick.drain = std::chrono::milliseconds(1000);
  sidecar::RouteConfig plain = fixtures::route("203.0.113.53/32");
  s.routes = {slow, quick, plain};
  return s;
}

}  // namespace

TEST_CASE("a drain announces with when_disabled for drain_ms, then withdraws") {
  using std::chrono::milliseconds;
  auto s = drained_service();
  const auto& slow = s.routes[0];
  // Drain running: announced with the drain's attributes until its drain_ms is over.
  CHECK(sidecar::desired_for(ServiceState::disabled, slow, milliseconds(0)) ==
        Desired::announce_down);
  CHECK(sidecar::desired_for(ServiceState::disabled, slow, milliseconds(2999)) ==
        Desired::announce_down);
  CHECK(sidecar::desired_for(ServiceState::disabled, slow, milliseconds(3000)) ==
        Desired::withdraw);
  // No drain began (the route was not announced as maintenance began): withdrawn at once.
  CHECK(sidecar::desired_for(ServiceState::disabled, slow) == Desired::withdraw);
  // The drain is maintenance's only: the other states are as without it.
  CHECK(sidecar::desired_for(ServiceState::down, slow, milliseconds(0)) == Desired::withdraw);
  CHECK(sidecar::desired_for(ServiceState::rising, slow, milliseconds(0)) == Desired::withdraw);
  CHECK(sidecar::desired_for(ServiceState::up, slow, milliseconds(0)) == Desired::announce);

  auto cmds = sidecar::commands_for(ServiceState::disabled, s, milliseconds(1500));
  REQUIRE(cmds.size() == 3);
  CHECK(cmds[0].line == "announce route 192.0.2.53/32 next-hop self med 1100 community [65535:0]");
  CHECK(cmds[1].line == "withdraw route 198.51.100.53/32 next-hop self");
  CHECK(cmds[2].desired == Desired::withdraw);
}

TEST_CASE("a drain begins only from a state whose routes were announced") {
  CHECK(sidecar::drain_begins(ServiceState::up));
  CHECK(sidecar::drain_begins(ServiceState::falling));
  CHECK(sidecar::drain_begins(ServiceState::degraded));
  CHECK_FALSE(sidecar::drain_begins(ServiceState::down));
  CHECK_FALSE(sidecar::drain_begins(ServiceState::rising));
  CHECK_FALSE(sidecar::drain_begins(ServiceState::init));
  CHECK_FALSE(sidecar::drain_begins(ServiceState::disabled));
}

TEST_CASE("the drain's next and last ends") {
  using std::chrono::milliseconds;
  auto s = drained_service();
  CHECK(sidecar::next_drain_end(s, milliseconds(0)) == milliseconds(1000));
  CHECK(sidecar::last_drain_end(s, milliseconds(0)) == milliseconds(3000));
  CHECK(sidecar::next_drain_end(s, milliseconds(1000)) == milliseconds(2000));
  CHECK(sidecar::last_drain_end(s, milliseconds(2500)) == milliseconds(500));
  CHECK_FALSE(sidecar::next_drain_end(s, milliseconds(3000)));
  CHECK_FALSE(sidecar::last_drain_end(s, milliseconds(9000)));
  CHECK_FALSE(sidecar::next_drain_end(fixtures::service("none"), milliseconds(0)));
}
