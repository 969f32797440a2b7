// Between the status model and the records: this node's presence from its services, the status
// file's fleet object from a view (fleet_table_test), the verification's input from the file.
#include <catch2/catch.hpp>

#include "fleet/fleet_fixture.hpp"
#include "sidecar/fleet/fleet_summary.hpp"

using namespace fleet;
using namespace fleet_test;
using nlohmann::json;

namespace {

sidecar::ServiceView service_view(sidecar::ServiceState state, sidecar::Desired desired) {
  sidecar::ServiceView v;
  v.name = "resolver";
  v.state = state;
  v.since_unix = kNow - 10;
  sidecar::CheckView c;
  c.name = "local-zone";
  probes::CheckResult r;
  r.ok = state != sidecar::ServiceState::down;
  r.reason = r.ok ? probes::Reason::ok : probes::Reason::connection_refused;
  c.last = r;
  v.checks.push_back(c);
  sidecar::RouteView route;
  route.prefix = "192.0.2.53/32";
  route.desired = desired;
  v.routes.push_back(route);
  return v;
}

sidecar::ServiceConfig service_config() {
  sidecar::ServiceConfig c;
  c.name = "resolver";
  c.rise = 3;
  sidecar::CheckConfig a;
  a.name = "local-zone";
  sidecar::CheckConfig b;
  b.name = "recursion";
  b.on_failure = sidecar::CheckConfig::OnFailure::degrade;
  c.checks = {a, b};
  return c;
}

}  // namespace

TEST_CASE("presence: this node's services as the others read them") {
  auto down = service_view(sidecar::ServiceState::down, sidecar::Desired::withdraw);
  auto init = service_view(sidecar::ServiceState::init, sidecar::Desired::none);
  init.name = "auth";
  auto maint = service_view(sidecar::ServiceState::disabled, sidecar::Desired::withdraw);
  maint.name = "other";
  maint.maintenance = sidecar::MaintenanceView{"bind upgrade", kNow - 60, std::nullopt};
  auto p = presence_of("node-1", "0.1.0", {down, init, maint}, kNow);
  CHECK(p.node == "node-1");
  CHECK(p.version == "0.1.0");
  CHECK(p.updated_unix == kNow);
  REQUIRE(p.services.size() == 3);
  CHECK(p.services[0].state == "down");
  CHECK(p.services[0].desired == "withdraw");
  CHECK(p.services[0].reason == "local-zone connection_refused");
  CHECK(p.services[0].since_unix == kNow - 10);
  CHECK(p.services[1].routes[0].desired == "withdraw");  // INIT: nothing decided
  CHECK(p.services[2].maintenance->reason == "bind upgrade");
  auto back = parse_presence(render(p), "node-1");
  REQUIRE(back.value);
  CHECK(*back.value == p);

  auto later = presence_of("node-1", "0.1.0", {down, init, maint}, kNow + 5);
  CHECK(same_presence(p, later));
  auto changed = presence_of("node-1", "0.1.0", {down, init}, kNow + 5);
  CHECK_FALSE(same_presence(p, changed));
}

TEST_CASE("out of service: by state first, desired only while starting or rising") {
  CHECK(out_of_service(service("down", "announce-down")));
  CHECK(out_of_service(service("disabled", "announce-down")));
  CHECK(out_of_service(service("rising", "withdraw")));
  CHECK(out_of_service(service("init", "withdraw")));
  CHECK(out_of_service(service("draining-in-v2", "withdraw")));  // a state of a newer node
  CHECK_FALSE(out_of_service(service("up", "announce")));
  CHECK_FALSE(out_of_service(service("up", "withdraw")));  // a service without routes
  CHECK_FALSE(out_of_service(service("falling", "announce")));
  CHECK_FALSE(out_of_service(service("degraded", "announce-degraded")));
  CHECK_FALSE(out_of_service(service("rising", "announce")));  // hitless restart
  auto m = service("up", "announce");
  m.maintenance = MaintenanceRecord{"x", 1};
  CHECK(out_of_service(m));
}

TEST_CASE("verify input: checks from the status file, policy and rise from the configuration") {
  auto entry = json::parse(R"({"checks": [
      {"name": "local-zone", "ok": true, "reason": "ok", "consecutive_successes": 4,
       "at_unix": 1795339599.0},
      {"name": "recursion", "ok": false, "reason": "servfail", "consecutive_successes": 0,
       "at_unix": 1795339599.0}]})");
  auto in = verify_input(entry, service_config(), kNow - 30, false, kNow);
  CHECK(in.service == "resolver");
  CHECK(in.rise == 3);
  REQUIRE(in.checks.size() == 2);
  CHECK(in.checks[0].ok);
  CHECK(in.checks[0].consecutive_successes == 4);
  CHECK(in.checks[1].degrade);
  CHECK(in.checks[1].reason == "servfail");
  CHECK(decide_verify(in).kind == VerifyDecision::Kind::passed);

  // Probed only before the verification started: no round counts yet.
  auto old = verify_input(entry, service_config(), kNow, false, kNow);
  CHECK_FALSE(old.checks[0].ok);
  CHECK(old.checks[0].reason == "not probed since the verification started");
  CHECK(decide_verify(old).kind == VerifyDecision::Kind::waiting);

  // A configured check missing from the file, or a file entry of the wrong shape: failing.
  for (const char* bad : {R"({})", R"({"checks": 5})", R"({"checks": [1, "x", null]})", "7",
                          R"({"checks": [{"name": "local-zone", "ok": "yes",
                              "consecutive_successes": 1e300, "at_unix": "now"}]})"}) {
    INFO(bad);
    auto in2 = verify_input(json::parse(bad), service_config(), kNow - 30, true, kNow);
    auto d = decide_verify(in2);
    CHECK(d.kind == VerifyDecision::Kind::failed);
    CHECK(d.record.check == "local-zone");
  }
}

TEST_CASE("gone since, as the daemon's status file remembers it") {
  auto status = json::parse(R"({"fleet": {"state": "ok", "out_of_service": [
      {"node": "node-3", "status": "gone", "why": "presence expired", "since_unix": 1795339500},
      {"node": "node-4", "status": "gone", "why": "presence expired", "since_unix": null},
      {"node": "node-2", "status": "maintenance", "why": "x", "since_unix": 1795339400},
      {"node": "bad name", "status": "gone", "since_unix": 1},
      {"node": "node-5", "status": "gone", "since_unix": -1},
      7, {"node": 3}]}})");
  auto seen = gone_since_from_status(status);
  REQUIRE(seen.size() == 1);
  CHECK(seen.at("node-3") == 1795339500);
  for (const char* bad : {"null", "[]", R"({"fleet": 1})", R"({"fleet": {"out_of_service": 1}})",
                          R"({"fleet": {"state": "off"}})"}) {
    CHECK(gone_since_from_status(json::parse(bad)).empty());
  }
}
