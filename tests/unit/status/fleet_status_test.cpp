// The fleet in the status file, the metrics and `status`: off renders the contract's empty object
// and judges as before; unreachable and a floor warn, a failed verification is critical.
#include <catch2/catch.hpp>

#include "sidecar/status/fleet_verdict.hpp"
#include "sidecar/status/status_model.hpp"
#include "sidecar/status/status_verdict.hpp"

using nlohmann::json;
using sidecar::FleetState;

namespace {

constexpr double kNow = 1795339600.0;

sidecar::StatusSnapshot snapshot() {
  sidecar::StatusSnapshot s;
  s.version = "0.1.0";
  s.pid = 1234;
  s.started_unix = kNow - 60;
  s.updated_unix = kNow - 0.5;
  sidecar::ServiceView svc;
  svc.name = "resolver";
  svc.state = sidecar::ServiceState::up;
  svc.since_unix = kNow - 50;
  sidecar::RouteView r;
  r.prefix = "192.0.2.53/32";
  r.desired = sidecar::Desired::announce;
  r.confirmed = true;
  svc.routes.push_back(r);
  s.services.push_back(svc);
  return s;
}

sidecar::FleetStatusView fleet_ok() {
  sidecar::FleetStatusView f;
  f.state = FleetState::ok;
  f.since_unix = kNow - 3600;
  f.node = "node-1";
  f.prefix = "/acs/dns-eu";
  f.max_unavailable = 1;
  f.members = 3;
  f.present = 2;
  f.out_of_service.push_back({"node-3", "gone", "presence expired", kNow - 252});
  f.slots.push_back({"node-3", "bind upgrade", kNow - 600});
  return f;
}

bool has_line(const std::vector<std::string>& lines, const std::string& text) {
  for (const auto& l : lines) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("fleet off: the contract's object with nothing in it, one metric family") {
  auto s = snapshot();
  auto j = sidecar::status_to_json(s);
  CHECK(j["fleet"] == json::parse(R"({"state": "off", "since_unix": null, "node": null,
                                      "slot": null, "verify": null, "floor_hold": []})"));
  auto m = sidecar::metrics_text(s);
  CHECK(m.find("anycast_sidecar_fleet_state{state=\"off\"} 1\n") != std::string::npos);
  CHECK(m.find("anycast_sidecar_fleet_state{state=\"ok\"} 0\n") != std::string::npos);
  CHECK(m.find("anycast_sidecar_fleet_members") == std::string::npos);
  CHECK(m.find("anycast_sidecar_fleet_verify_failed") == std::string::npos);

  // `status` judges as without a fleet: the rendered file, and a file of an older daemon.
  auto with_fleet = json::parse(sidecar::render_status(s));
  auto older = with_fleet;
  older.erase("fleet");
  auto a = sidecar::judge_status(with_fleet, kNow, 5);
  auto b = sidecar::judge_status(older, kNow, 5);
  CHECK(a.exit_code() == 0);
  CHECK(a.lines == b.lines);
  CHECK(a.json["problems"] == b.json["problems"]);
  CHECK(sidecar::judge_fleet(with_fleet, kNow).problems.empty());
  CHECK(sidecar::judge_fleet(with_fleet, kNow).details.empty());
}

TEST_CASE("fleet ok: every key rendered, the fleet shown under the services, exit unchanged") {
  auto s = snapshot();
  s.fleet = fleet_ok();
  auto j = sidecar::status_to_json(s);
  const auto& f = j["fleet"];
  CHECK(f["state"] == "ok");
  CHECK(f["since_unix"] == kNow - 3600);
  CHECK(f["node"] == "node-1");
  CHECK(f["prefix"] == "/acs/dns-eu");
  CHECK(f["slot"].is_null());
  CHECK(f["verify"].is_null());
  CHECK(f["floor_hold"] == json::array());
  CHECK(f["max_unavailable"] == 1);
  CHECK(f["members"] == json({{"known", 3}, {"present", 2}, {"out", 1}}));
  CHECK(f["out_of_service"][0] == json({{"node", "node-3"},
                                        {"status", "gone"},
                                        {"why", "presence expired"},
                                        {"since_unix", kNow - 252}}));
  CHECK(f["slots"][0] ==
        json({{"node", "node-3"}, {"reason", "bind upgrade"}, {"since_unix", kNow - 600}}));

  auto v = sidecar::judge_status(json::parse(sidecar::render_status(s)), kNow, 5);
  CHECK(v.exit_code() == 0);
  CHECK(v.lines[0] == "OK: 1 service up and announced, ExaBGP bridge ok");
  CHECK(has_line(v.lines,
                 "fleet /acs/dns-eu ok for 1h00m (this node: node-1): 3 members, 2 "
                 "present, 1 out of service of 1 allowed"));
  CHECK(has_line(v.lines, "  out: node-3 gone for 4m12s (presence expired)"));
}

TEST_CASE("fleet unreachable: WARNING naming the fleet and since when") {
  auto s = snapshot();
  s.fleet = fleet_ok();
  s.fleet.state = FleetState::unreachable;
  s.fleet.since_unix = kNow - 125;
  s.fleet.detail = "etcd http://127.0.0.1:2379: connection refused";
  auto v = sidecar::judge_status(json::parse(sidecar::render_status(s)), kNow, 5);
  CHECK(v.exit_code() == 1);
  CHECK(v.lines[0] ==
        "WARNING: fleet /acs/dns-eu unreachable for 2m05s (etcd http://127.0.0.1:2379: connection "
        "refused): routing goes on from this node's own checks, but no maintenance slot can be "
        "taken; next: `etcdctl endpoint health` with the fleet's endpoints");
  auto m = sidecar::metrics_text(s);
  CHECK(m.find("anycast_sidecar_fleet_state{state=\"unreachable\"} 1\n") != std::string::npos);
}

TEST_CASE("verification failed: CRITICAL naming the check, the reason and the held slot") {
  auto s = snapshot();
  s.services[0].state = sidecar::ServiceState::disabled;
  s.services[0].maintenance = sidecar::MaintenanceView{"bind upgrade", kNow - 300, std::nullopt};
  s.fleet = fleet_ok();
  s.fleet.slot = sidecar::FleetSlotView{"node-1", "bind upgrade", kNow - 300};
  s.fleet.verify =
      sidecar::FleetVerifyView{false, "resolver", "local-zone", "connection_refused", kNow - 10};
  auto j = json::parse(sidecar::render_status(s));
  CHECK(j["fleet"]["slot"] == json({{"reason", "bind upgrade"}, {"since_unix", kNow - 300}}));
  CHECK(j["fleet"]["verify"]["ok"] == false);
  CHECK(j["fleet"]["verify"]["check"] == "local-zone");
  auto v = sidecar::judge_status(j, kNow, 5);
  CHECK(v.exit_code() == 2);
  CHECK(v.lines[0] ==
        "CRITICAL: resolver failed verification (check local-zone: connection_refused): it stays "
        "in maintenance and the fleet's slot is held for 5m00s, so the rollout stops here; next: "
        "fix it, then `anycast-sidecar maintenance off --verify` (+1 more)");
  CHECK(has_line(v.lines, "also: resolver in maintenance: bind upgrade"));
  CHECK(has_line(v.lines, "  this node holds a fleet slot for 5m00s (bind upgrade)"));

  auto m = sidecar::metrics_text(s);
  CHECK(m.find("anycast_sidecar_fleet_verify_failed{service=\"resolver\",check=\"local-zone\","
               "reason=\"connection_refused\"} 1\n") != std::string::npos);
  CHECK(m.find("anycast_sidecar_fleet_slot_held 1\n") != std::string::npos);

  // Passed: nothing to say.
  s.fleet.verify->ok = true;
  CHECK(sidecar::judge_fleet(json::parse(sidecar::render_status(s)), kNow).problems.empty());
  m = sidecar::metrics_text(s);
  CHECK(m.find("anycast_sidecar_fleet_verify_failed{service=\"\",check=\"\",reason=\"\"} 0\n") !=
        std::string::npos);
}

TEST_CASE("fleet floor holding a route: WARNING naming the prefixes") {
  auto s = snapshot();
  s.fleet = fleet_ok();
  s.fleet.floor_hold = {"192.0.2.53/32", "2001:db8::53/128"};
  auto v = sidecar::judge_status(json::parse(sidecar::render_status(s)), kNow, 5);
  CHECK(v.exit_code() == 1);
  CHECK(v.lines[0].rfind("WARNING: fleet floor holds 192.0.2.53/32, 2001:db8::53/128 announced",
                         0) == 0);
  auto m = sidecar::metrics_text(s);
  CHECK(m.find("anycast_sidecar_fleet_floor_hold{prefix=\"192.0.2.53/32\"} 1\n") !=
        std::string::npos);
}

TEST_CASE("fleet metrics: members, out of service against the budget, slots by node") {
  auto s = snapshot();
  s.fleet = fleet_ok();
  auto m = sidecar::metrics_text(s);
  for (const char* line :
       {"anycast_sidecar_fleet_state{state=\"ok\"} 1\n", "anycast_sidecar_fleet_members 3\n",
        "anycast_sidecar_fleet_members_present 2\n", "anycast_sidecar_fleet_out_of_service 1\n",
        "anycast_sidecar_fleet_max_unavailable 1\n", "anycast_sidecar_fleet_slot_held 0\n",
        "anycast_sidecar_fleet_slots_held 1\n",
        "anycast_sidecar_fleet_slot_held_since_timestamp_seconds{node=\"node-3\"} "
        "1795339000\n",
        "anycast_sidecar_fleet_state_since_timestamp_seconds 1795336000\n"}) {
    INFO(line);
    CHECK(m.find(line) != std::string::npos);
  }
}

TEST_CASE("fleet object from a hostile file: never a throw, never OK by accident") {
  auto base = json::parse(sidecar::render_status(snapshot()));
  std::vector<json> fleets = {
      json(5),
      json("ok"),
      json::array(),
      json({{"state", 7}}),
      json({{"state", "sideways"}}),
      json({{"state", "unreachable"}, {"since_unix", "yesterday"}, {"detail", "\x1b[2J"}}),
      json({{"state", "ok"}, {"since_unix", -1e300}, {"members", 3}, {"max_unavailable", "x"}}),
      json({{"state", "ok"},
            {"members", {{"known", -1e300}, {"present", -5}, {"out", 1e300}}},
            {"max_unavailable", 1e300}}),
      json({{"state", "ok"}, {"out_of_service", {1, "x", nullptr, {{"node", 3}}}}}),
      json({{"state", "ok"},
            {"verify", {{"ok", "false"}}},
            {"slot", 3},
            {"floor_hold", {1, nullptr}}}),
      json({{"state", "ok"}, {"verify", {{"ok", false}}}, {"floor_hold", "x"}}),
  };
  for (const auto& f : fleets) {
    INFO(f.dump());
    auto s = base;
    s["fleet"] = f;
    auto v = sidecar::judge_status(s, kNow, 5);
    CHECK(v.exit_code() >= 0);
    for (const auto& l : v.lines) CHECK(l.find('\x1b') == std::string::npos);
  }
  auto s = base;
  // A fleet that is not an object is a field of the wrong type: the file is not judged (UNKNOWN),
  // as for any other field (the status reader's schema check).
  s["fleet"] = fleets[0];
  CHECK(sidecar::judge_status(s, kNow, 5).exit_code() == 3);
  s["fleet"] = fleets[4];
  CHECK(sidecar::judge_status(s, kNow, 5).exit_code() == 1);
  s["fleet"] = fleets[10];
  CHECK(sidecar::judge_status(s, kNow, 5).exit_code() == 2);  // verify ok false, nothing else known
  s["fleet"] = nullptr;
  CHECK(sidecar::judge_status(s, kNow, 5).exit_code() == 3);
  s.erase("fleet");  // a file from before the fleet: judged as before
  CHECK(sidecar::judge_status(s, kNow, 5).exit_code() == 0);
}

TEST_CASE("fleet text from other nodes is sanitized in the status file and the metrics") {
  auto s = snapshot();
  s.fleet = fleet_ok();
  s.fleet.out_of_service[0].why = "bad \xff byte";
  s.fleet.slots[0].node = "n\"ode\n";
  auto text = sidecar::render_status(s);
  CHECK(json::parse(text)["fleet"]["out_of_service"][0]["why"] == "bad \xef\xbf\xbd byte");
  auto m = sidecar::metrics_text(s);
  CHECK(m.find("{node=\"n\\\"ode\\n\"}") != std::string::npos);
}
