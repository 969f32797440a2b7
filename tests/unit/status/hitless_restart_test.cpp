// A restart of the sidecar alone: RISING from the start sends nothing (ExaBGP keeps what the
// previous instance announced), a failing first round still withdraws, RISING after DOWN or
// maintenance still applies when_down; the previous instance's routes read back from its status
// file, hostile content included.
#include <catch2/catch.hpp>

#include "exabgp-bridge/route.hpp"
#include "fixtures/service_config.hpp"
#include "sidecar/policy/route_policy.hpp"
#include "sidecar/policy/state_machine.hpp"
#include "sidecar/status/previous_routes.hpp"

using namespace std::chrono_literals;
using sidecar::Machine;
using sidecar::ServiceState;

namespace {

sidecar::Observation obs(bool healthy, bool maintenance = false) {
  sidecar::Observation o;
  o.healthy = healthy;
  o.maintenance = maintenance;
  o.now = sidecar::Clock::now();
  return o;
}

Machine run(std::initializer_list<sidecar::Observation> rounds) {
  Machine m;
  sidecar::MachineParams p{3, 3, 0ms};
  for (const auto& o : rounds) m = sidecar::step(m, o, p).next;
  return m;
}

sidecar::Config config_with(std::vector<const char*> prefixes) {
  sidecar::Config c;
  c.services.push_back(fixtures::service("resolver", std::move(prefixes)));
  return c;
}

}  // namespace

TEST_CASE("hitless: RISING straight from INIT sends nothing") {
  auto m = run({obs(true)});
  REQUIRE(m.state == ServiceState::rising);
  CHECK(m.fresh);
  CHECK(sidecar::routed_state(m, true) == ServiceState::init);
  CHECK(sidecar::routed_state(m, false) == ServiceState::rising);  // hitless_restart: false
  m = run({obs(true), obs(true)});
  CHECK(sidecar::routed_state(m, true) == ServiceState::init);
  m = run({obs(true), obs(true), obs(true)});
  CHECK(m.state == ServiceState::up);
  CHECK_FALSE(m.fresh);
  CHECK(sidecar::routed_state(m, true) == ServiceState::up);
}

TEST_CASE("hitless: a failing first round still withdraws at once") {
  auto m = run({obs(false)});
  CHECK(m.state == ServiceState::down);
  CHECK_FALSE(m.fresh);
  CHECK(sidecar::routed_state(m, true) == ServiceState::down);
  m = run({obs(true), obs(false)});  // rising, then a failure: down at once
  CHECK(m.state == ServiceState::down);
  CHECK(sidecar::routed_state(m, true) == ServiceState::down);
}

TEST_CASE("hitless: RISING after DOWN or after maintenance applies when_down") {
  auto m = run({obs(false), obs(true)});
  REQUIRE(m.state == ServiceState::rising);
  CHECK(sidecar::routed_state(m, true) == ServiceState::rising);
  m = run({obs(true, true), obs(true)});
  REQUIRE(m.state == ServiceState::rising);
  CHECK(sidecar::routed_state(m, true) == ServiceState::rising);
  m = run({obs(true), obs(true), obs(true), obs(false), obs(true)});  // up, falling, up
  CHECK(m.state == ServiceState::up);
  CHECK(sidecar::routed_state(m, true) == ServiceState::up);
}

TEST_CASE("hitless: the commands of a fresh RISING are those of INIT (none)") {
  auto cfg = config_with({"192.0.2.53/32"}).services[0];
  auto m = run({obs(true)});
  auto cmds = sidecar::commands_for(sidecar::routed_state(m, true), cfg);
  REQUIRE(cmds.size() == 1);
  CHECK(cmds[0].desired == sidecar::Desired::none);
  CHECK(cmds[0].line.empty());
}

TEST_CASE("previous instance: announced routes read back from its status file") {
  const char* text = R"({"services": [
    {"name": "a", "routes": [
      {"prefix": "192.0.2.53/32", "next_hop": "self", "neighbors": [], "desired": "announce"},
      {"prefix": "192.0.2.54/32", "next_hop": "192.0.2.254", "desired": "announce-down",
       "neighbors": ["192.0.2.1"]},
      {"prefix": "192.0.2.55/32", "next_hop": "self", "desired": "withdraw"},
      {"prefix": "192.0.2.56/32", "next_hop": "self", "desired": "none"}]},
    {"name": "b", "routes": [
      {"prefix": "192.0.2.53/32", "next_hop": "self", "desired": "announce"},
      {"prefix": "2001:db8::53/128", "next_hop": "self", "desired": "announce-degraded"}]}]})";
  auto routes = sidecar::announced_in_status(text);
  REQUIRE(routes.size() == 3);  // the duplicate key counts once
  CHECK(routes[0].prefix.text == "192.0.2.53/32");
  CHECK(routes[1].next_hop.text == "192.0.2.254");
  CHECK(routes[1].neighbors == std::vector<std::string>{"192.0.2.1"});
  CHECK(bridge::format_withdraw(routes[1]) ==
        "neighbor 192.0.2.1 withdraw route 192.0.2.54/32 next-hop 192.0.2.254");
  CHECK(routes[2].prefix.ipv6);

  SECTION("only routes no longer configured are stale") {
    auto stale = sidecar::stale_routes(routes, config_with({"192.0.2.53/32"}));
    REQUIRE(stale.size() == 2);
    CHECK(stale[0].prefix.text == "192.0.2.54/32");
    CHECK(sidecar::stale_routes(routes, config_with({})).size() == 3);
  }
}

TEST_CASE("previous instance: a hostile or broken status file yields only well-formed routes") {
  const char* cases[] = {
      "", "not json", "[]", "{\"services\": 3}",
      "{\"services\": [1, \"x\", null, {\"routes\": {}}]}",
      // a command smuggled in a field never reaches ExaBGP: the fields must parse
      R"({"services": [{"routes": [{"prefix": "192.0.2.53/32\nshutdown", "desired": "announce"}]}]})",
      R"({"services": [{"routes": [{"prefix": "192.0.2.53/32", "next_hop": "self\nx",
           "desired": "announce"}]}]})",
      R"({"services": [{"routes": [{"prefix": "192.0.2.53/32", "neighbors": ["x y"],
           "desired": "announce"}]}]})",
      R"({"services": [{"routes": [{"prefix": "192.0.2.53/32", "neighbors": "192.0.2.1",
           "desired": "announce"}]}]})",
      R"({"services": [{"routes": [{"prefix": 5, "desired": "announce"}]}]})",
      R"({"services": [{"routes": [{"prefix": "192.0.2.53/32", "desired": 1}]}]})",
      R"({"services": [{"routes": [{"prefix": "192.0.2.53/33", "desired": "announce"}]}]})",
      "{\"services\": [{\"routes\": [{\"prefix\": \"\xff\xfe\", \"desired\": \"announce\"}]}]}",
      R"({"services": [{"routes": [{"prefix": "192.0.2.53/32", "desired": "announce")",  // cut
  };
  for (const char* text : cases) {
    INFO(text);
    CHECK(sidecar::announced_in_status(text).empty());
  }
}

TEST_CASE("previous instance: the number of routes read back is bounded") {
  std::string text = R"({"services": [{"routes": [)";
  for (int i = 0; i < 5000; ++i) {
    if (i) text += ',';
    text += R"({"prefix": "2001:db8::)" + std::to_string(i) + R"(/128", "desired": "announce"})";
  }
  text += "]}]}";
  CHECK(sidecar::announced_in_status(text).size() == 4096);
}
