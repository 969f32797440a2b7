// `anycast-sidecar fleet`: the verdict line, one line per node, the JSON, the exit code; and the
// status file's fleet object filled from the same view.
#include <catch2/catch.hpp>

#include "fleet/fleet_fixture.hpp"
#include "sidecar/fleet/fleet_summary.hpp"
#include "sidecar/fleet/fleet_table.hpp"

using namespace fleet;
using namespace fleet_test;

namespace {

TableInput input(int max_unavailable = 1) {
  return {"/acs/test", max_unavailable, kNow};
}

bool has_line(const FleetTable& t, const std::string& text) {
  for (const auto& l : t.lines) {
    if (l.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("table: every node in service is OK, one line per node") {
  auto t = fleet_table(healthy_fleet(3).view(), input());
  CHECK(t.exit_code == 0);
  REQUIRE(t.lines.size() == 5);
  CHECK(t.lines[0] == "OK: fleet /acs/test: 3 nodes, all in service");
  CHECK(t.lines[1] == "NODE    STATUS      SERVICES     MAINTENANCE  SLOT  SEEN");
  CHECK(t.lines[2] == "node-1  in_service  resolver up  -            -     present");
  CHECK(t.json["exit_code"] == 0);
  CHECK(t.json["verdict"] == "OK");
  CHECK(t.json["fleet"]["reachable"] == true);
  CHECK(t.json["fleet"]["nodes"].size() == 3);
  CHECK(t.json["fleet"]["nodes"][0]["status"] == "in_service");
  CHECK(t.json["fleet"]["nodes"][0]["services"][0]["state"] == "up");
  CHECK(t.json["fleet"]["out_of_service"] == 0);
}

TEST_CASE("table: some out within the budget is WARNING, naming them") {
  auto etcd = healthy_fleet(3);
  etcd.present(presence("node-2", {in_maintenance("bind upgrade")}));
  etcd.put(budget_key(kPrefix), render(BudgetRecord{{{"node-2", "bind upgrade", kNow - 60}}}));
  auto t = fleet_table(etcd.view(), input());
  CHECK(t.exit_code == 1);
  CHECK(t.lines[0] ==
        "WARNING: 1 of 3 nodes out of service, within the 1 allowed: node-2 in maintenance since "
        "2026-11-22T09:25:40Z (1m00s ago) (resolver in maintenance: bind upgrade), holding a slot "
        "since 2026-11-22T09:25:40Z (1m00s ago) (bind upgrade)");
  CHECK(has_line(t,
                 "node-2  maintenance  resolver disabled  resolver: bind upgrade (1m00s)  held "
                 "1m00s (bind upgrade)  present"));
  CHECK(t.json["fleet"]["slots"][0]["node"] == "node-2");
  CHECK(t.json["fleet"]["nodes"][1]["slot"]["reason"] == "bind upgrade");
}

TEST_CASE("table: more out than the budget is CRITICAL") {
  auto etcd = healthy_fleet(3);
  etcd.present(presence("node-2", {in_maintenance()}));
  etcd.expire("node-3");
  auto t = fleet_table(etcd.view({{"node-3", kNow - 90}}), input());
  CHECK(t.exit_code == 2);
  CHECK(t.lines[0].rfind("CRITICAL: 2 nodes out of service, more than the 1 allowed "
                         "(max_unavailable): node-2 in maintenance",
                         0) == 0);
  CHECK(has_line(t, "gone, last seen 1m30s ago"));
  CHECK(fleet_table(etcd.view(), input(2)).exit_code == 1);
}

TEST_CASE("table: a failed verification is CRITICAL even within the budget") {
  auto etcd = healthy_fleet(3);
  auto p = presence("node-1", {in_maintenance()});
  p.verify = VerifyRecord{false, "resolver", "local-zone", "connection_refused", kNow - 5};
  etcd.present(p);
  etcd.put(budget_key(kPrefix), render(BudgetRecord{{{"node-1", "upgrade", kNow - 100}}}));
  auto t = fleet_table(etcd.view(), input());
  CHECK(t.exit_code == 2);
  CHECK(t.lines[0] ==
        "CRITICAL: node-1 failed verification of resolver (local-zone: "
        "connection_refused): it stays out holding its slot; the rollout stops "
        "here (+1 more)");
  CHECK(has_line(t, "maintenance, verify failed"));
  CHECK(t.json["fleet"]["nodes"][0]["verify"]["check"] == "local-zone");
}

TEST_CASE("table: unreachable is CRITICAL; an unreadable budget is CRITICAL; skipped lines shown") {
  auto t = unreachable_table(input(), "http://127.0.0.1:2379: connection refused");
  CHECK(t.exit_code == 2);
  CHECK(t.lines[0] ==
        "CRITICAL: fleet /acs/test unreachable (http://127.0.0.1:2379: connection "
        "refused); next: `etcdctl endpoint health` with the fleet's endpoints");
  CHECK(t.json["fleet"]["reachable"] == false);

  auto etcd = healthy_fleet(2);
  etcd.put(budget_key(kPrefix), "nope");
  etcd.put(member_key(kPrefix, "node-9"), "{\"v\": 2}");
  auto b = fleet_table(etcd.view(), input());
  CHECK(b.exit_code == 2);
  CHECK(has_line(b, "the budget record is unreadable (not JSON)"));
  CHECK(has_line(b, "skipped: members/node-9: unknown version 2"));
  CHECK(b.json["fleet"]["skipped"].size() == 2);
}

TEST_CASE("table: no members yet is a WARNING; hostile text is printable") {
  CHECK(fleet_table(FakeEtcd().view(), input()).exit_code == 1);
  auto etcd = healthy_fleet(1);
  auto s = service("down", "withdraw", "evil \x1b[2J\n reason");
  s.name = "res\x07olver";
  etcd.present(presence("node-1", {s}));
  auto t = fleet_table(etcd.view(), input());
  for (const auto& l : t.lines) {
    for (char c : l) CHECK(static_cast<unsigned char>(c) >= 0x20);
  }
  CHECK(t.json.dump().size() > 0);
}

TEST_CASE("status summary: the status file's fleet object from a view") {
  auto etcd = healthy_fleet(3);
  etcd.present(presence("node-2", {service("down", "withdraw", "local-zone timeout", kNow - 30)}));
  etcd.put(
      budget_key(kPrefix),
      render(BudgetRecord{{{"node-1", "bind upgrade", kNow - 60}, {"node-3", "", kNow - 20}}}));
  sidecar::FleetStatusView f;
  f.state = sidecar::FleetState::ok;
  f.slot = sidecar::FleetSlotView{"stale", "", 0};
  apply_view(f, etcd.view(), "node-1", 2);
  CHECK(f.max_unavailable == 2);
  CHECK(f.members == 3);
  CHECK(f.present == 3);
  REQUIRE(f.out_of_service.size() == 3);
  CHECK(f.out_of_service[0].node == "node-1");
  CHECK(f.out_of_service[0].status == "in_service");
  CHECK(f.out_of_service[0].why == "holds a slot");
  CHECK(f.out_of_service[0].since_unix == kNow - 60);
  CHECK(f.out_of_service[1].why == "resolver down: local-zone timeout");
  REQUIRE(f.slot);
  CHECK(f.slot->reason == "bind upgrade");
  CHECK(f.slots.size() == 2);
  apply_view(f, healthy_fleet(2).view(), "node-1", 1);
  CHECK_FALSE(f.slot);
  CHECK(f.out_of_service.empty());
}
