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
#include "sidecar/status/status_model.hpp"
#include "sidecar/status/status_reader.hpp"

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
  const char* text = R"({"schema": 1, "services": [
    {"name": "a", "routes": [
      {"prefix": "192.0.2.53/32", "next_hop": "self", "neighbors": [], "desired": "announce"},
      {"prefix": "192.0.2.54/32", "next_hop": "192.0.2.254", "desired": "announce-down",
       "neighbors": ["192.0.2.1"]},
      {"prefix": "192.0.2.55/32", "next_hop": "self", "desired": "withdraw", "confirmed": true},
      {"prefix": "192.0.2.56/32", "next_hop": "self", "desired": "none"}]},
    {"name": "b", "routes": [
      {"prefix": "192.0.2.53/32", "next_hop": "self", "desired": "announce"},
      {"prefix": "2001:db8::53/128", "next_hop": "self", "desired": "announce-degraded"},
      {"prefix": "192.0.2.57/32", "next_hop": "self", "desired": "withdraw", "confirmed": false}]}]})";
  auto read = sidecar::announced_in_status(text);
  CHECK(read.dropped == 0);
  const auto& routes = read.routes;
  // The duplicate key counts once; a confirmed withdraw is done with; "none" (not decided yet)
  // and an unconfirmed withdraw may still be announced by an instance before.
  REQUIRE(routes.size() == 5);
  CHECK(routes[0].prefix.text == "192.0.2.53/32");
  CHECK(routes[1].next_hop.text == "192.0.2.254");
  CHECK(routes[1].neighbors == std::vector<std::string>{"192.0.2.1"});
  CHECK(bridge::format_withdraw(routes[1]) ==
        "neighbor 192.0.2.1 withdraw route 192.0.2.54/32 next-hop 192.0.2.254");
  CHECK(routes[2].prefix.text == "192.0.2.56/32");
  CHECK(routes[3].prefix.ipv6);
  CHECK(routes[4].prefix.text == "192.0.2.57/32");

  SECTION("only routes no longer configured are stale") {
    auto stale = sidecar::stale_routes(routes, config_with({"192.0.2.53/32"}));
    REQUIRE(stale.size() == 4);
    CHECK(stale[0].prefix.text == "192.0.2.54/32");
    CHECK(sidecar::stale_routes(routes, config_with({})).size() == 5);
  }
}

TEST_CASE("previous instance: a route covered at every neighbor it named is not stale") {
  auto scoped = [](std::vector<std::string> neighbors) {
    bridge::Route r;
    r.prefix = *bridge::parse_prefix("192.0.2.53/32");
    r.neighbors = std::move(neighbors);
    return r;
  };
  auto config = [&](std::vector<std::vector<std::string>> scopes) {
    auto c = config_with({});
    sidecar::ServiceConfig s;
    s.name = "s";
    for (auto& n : scopes) {
      sidecar::RouteConfig rc;
      rc.route = scoped(n);
      s.routes.push_back(rc);
    }
    c.services.push_back(s);
    return c;
  };
  const std::vector<bridge::Route> previous = {scoped({"192.0.2.1"})};
  CHECK(sidecar::stale_routes(previous, config({{}})).empty());  // every peer covers it
  CHECK(sidecar::stale_routes(previous, config({{"192.0.2.1", "192.0.2.2"}})).empty());
  CHECK(sidecar::stale_routes(previous, config({{"192.0.2.2"}})).size() == 1);
  // An unscoped previous route is covered only by an unscoped one (peers are not all known).
  const std::vector<bridge::Route> everywhere = {scoped({})};
  CHECK(sidecar::stale_routes(everywhere, config({{"192.0.2.1"}})).size() == 1);
  CHECK(sidecar::stale_routes(everywhere, config({{}})).empty());
}

TEST_CASE("previous instance: a hostile or broken status file yields only well-formed routes") {
  const char* cases[] = {
      "",
      "not json",
      "[]",
      "{\"services\": 3}",
      "{\"schema\": 1, \"services\": [1, \"x\", null, {\"routes\": {}}]}",
      // a command smuggled in a field never reaches ExaBGP: the fields must parse
      R"({"schema": 1, "services": [{"routes": [{"prefix": "192.0.2.53/32\nshutdown", "desired": "announce"}]}]})",
      R"({"schema": 1, "services": [{"routes": [{"prefix": "192.0.2.53/32", "next_hop": "self\nx",
           "desired": "announce"}]}]})",
      R"({"schema": 1, "services": [{"routes": [{"prefix": "192.0.2.53/32", "neighbors": ["x y"],
           "desired": "announce"}]}]})",
      R"({"schema": 1, "services": [{"routes": [{"prefix": "192.0.2.53/32", "neighbors": "192.0.2.1",
           "desired": "announce"}]}]})",
      R"({"schema": 1, "services": [{"routes": [{"prefix": 5, "desired": "announce"}]}]})",
      R"({"schema": 1, "services": [{"routes": [{"prefix": "192.0.2.53/32", "desired": 1}]}]})",
      R"({"schema": 1, "services": [{"routes": [{"prefix": "192.0.2.53/33", "desired": "announce"}]}]})",
      "{\"schema\": 1, \"services\": [{\"routes\": [{\"prefix\": \"\xff\xfe\", \"desired\": "
      "\"announce\"}]}]}",
      R"({"schema": 1, "services": [{"routes": [{"prefix": "192.0.2.53/32", "desired": "announce")",  // cut
      // routes no configuration may own, or not as the daemon writes them
      R"({"schema": 1, "services": [{"routes": [{"prefix": "0.0.0.0/0", "desired": "announce"}]}]})",
      R"({"schema": 1, "services": [{"routes": [{"prefix": "::/0", "desired": "announce-down"}]}]})",
      R"({"schema": 1, "services": [{"routes": [{"prefix": "192.0.2.53/32", "next_hop": 5,
           "desired": "announce"}]}]})",
      R"({"schema": 1, "services": [{"routes": [{"prefix": "192.0.2.53/32", "next_hop": null,
           "desired": "announce"}]}]})",
      R"({"schema": 1, "services": [{"routes": [{"prefix": "192.0.2.53/32", "desired": "drain"}]}]})",
      // another schema, or none: nothing is trusted
      R"({"schema": 2, "services": [{"routes": [{"prefix": "192.0.2.53/32", "desired": "announce"}]}]})",
      R"({"services": [{"routes": [{"prefix": "192.0.2.53/32", "desired": "announce"}]}]})",
  };
  for (const char* text : cases) {
    INFO(text);
    CHECK(sidecar::announced_in_status(text).routes.empty());
  }
  auto defaults = sidecar::announced_in_status(cases[14]);
  CHECK(defaults.dropped == 1);
  CHECK(defaults.first_problem == "0.0.0.0/0 is a default route, which no configuration may own");
}

TEST_CASE("previous instance: what is read back is bounded, the rest dropped and counted") {
  auto file = [](const std::string& routes) {
    return R"({"schema": 1, "services": [{"routes": [)" + routes + "]}]}";
  };
  std::string many;
  for (int i = 0; i < 5000; ++i) {
    if (i) many += ',';
    many += R"({"prefix": "2001:db8::)" + std::to_string(i) + R"(/128", "desired": "announce"})";
  }
  auto read = sidecar::announced_in_status(file(many));
  CHECK(read.routes.size() == sidecar::kMaxPreviousRoutes);
  CHECK(read.dropped == 5000 - sidecar::kMaxPreviousRoutes);
  CHECK(read.first_problem.find("more than 1024 routes") == 0);

  // One route with a million neighbors once became a 24 MB withdraw line: refused whole.
  std::string neighbors;
  for (int i = 0; i < 200000; ++i) {
    if (i) neighbors += ',';
    neighbors += "\"10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) + "." +
                 std::to_string(i % 256) + "\"";
  }
  read = sidecar::announced_in_status(file(
      R"({"prefix": "192.0.2.53/32", "desired": "announce", "neighbors": [)" + neighbors + "]}"));
  CHECK(read.routes.empty());
  CHECK(read.dropped == 1);
  CHECK(read.first_problem.find("neighbors that are not a list of at most 64") !=
        std::string::npos);

  // 64 neighbors of the longest IPv6 text each stay under the per-command bound; the total bound
  // then stops a file of many such routes early.
  std::string wide;
  for (int r = 0; r < 400; ++r) {
    std::string ns;
    for (int i = 0; i < 64; ++i) {
      if (i) ns += ',';
      ns += "\"2001:db8:ffff:ffff:ffff:ffff:" + std::to_string(1000 + r) + ":" +
            std::to_string(1000 + i) + "\"";
    }
    if (r) wide += ',';
    wide += R"({"prefix": "2001:db8::)" + std::to_string(r) +
            R"(/128", "desired": "announce", "neighbors": [)" + ns + "]}";
  }
  read = sidecar::announced_in_status(file(wide));
  std::size_t total = 0;
  for (const auto& r : read.routes) {
    auto line = bridge::format_withdraw(r);
    CHECK(line.size() <= sidecar::kMaxPreviousCommandBytes);
    total += line.size();
  }
  CHECK(total <= sidecar::kMaxPreviousTotalBytes);
  CHECK(read.routes.size() < 400);
  CHECK(read.dropped == 400 - read.routes.size());
}

TEST_CASE("previous instance: withdraws not yet acknowledged are listed and read back") {
  bridge::Route scoped;
  scoped.prefix = *bridge::parse_prefix("192.0.2.53/32");
  scoped.neighbors = {"192.0.2.1", "192.0.2.2"};
  auto key = bridge::route_key(scoped);
  auto back = bridge::route_of_key(key);
  REQUIRE(back);
  CHECK(bridge::route_key(*back) == key);
  CHECK_FALSE(bridge::route_of_key("192.0.2.53/32|x y"));
  CHECK_FALSE(bridge::route_of_key("not a prefix"));

  sidecar::StatusSnapshot snap;
  CHECK_FALSE(sidecar::status_to_json(snap).contains("withdrawing"));
  snap.withdrawing.push_back(scoped);
  auto text = sidecar::status_to_json(snap).dump();
  auto read = sidecar::announced_in_status(text);
  REQUIRE(read.routes.size() == 1);
  CHECK(bridge::route_key(read.routes[0]) == key);
  // A file that says so is still a status file `status` judges.
  CHECK(sidecar::schema_problem(nlohmann::json::parse(text)).empty());
}
