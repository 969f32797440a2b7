// The fleet view and the decisions: who is out and why, the slot budget, release, forget, the
// verified return. Every case from records in, a decision out.
#include <catch2/catch.hpp>

#include "fleet/fleet_fixture.hpp"

using namespace fleet;
using namespace fleet_test;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("view: each node's status from its services, presence and slot") {
  auto etcd = healthy_fleet(1);
  etcd.join("node-2");
  etcd.present(presence("node-2", {up(), in_maintenance("kernel update")}));
  etcd.join("node-3");
  etcd.present(presence("node-3", {service("down", "withdraw", "local-zone connection_refused")}));
  etcd.join("node-4");  // member, presence expired
  etcd.join("node-5");
  etcd.present(presence("node-5", {service("rising", "withdraw", "", kNow - 2)}));
  etcd.join("node-6");
  etcd.present(
      presence("node-6", {service("degraded", "announce-degraded", "recursion servfail")}));
  etcd.join("node-7");
  etcd.present(presence("node-7", {service("down", "announce-down", "local-zone timeout")}));
  etcd.present(presence("node-8", {up()}));  // present, never joined (its member write failed)
  etcd.put(budget_key(kPrefix),
           render(BudgetRecord{{{"node-9", "dead during upgrade", kNow - 900}}}));

  auto view = etcd.view({{"node-4", kNow - 30}});
  REQUIRE(view.nodes.size() == 9);
  auto node = [&](const std::string& n) {
    auto p = view.find(n);
    REQUIRE(p);
    return *p;
  };
  CHECK(node("node-1").status == NodeStatus::in_service);
  CHECK_FALSE(node("node-1").out());
  CHECK(node("node-1").member);

  CHECK(node("node-2").status == NodeStatus::maintenance);
  CHECK(node("node-2").why == "resolver in maintenance: kernel update");
  CHECK(node("node-2").since_unix == kNow - 60);

  CHECK(node("node-3").status == NodeStatus::withdrawn);
  CHECK(node("node-3").why == "resolver down: local-zone connection_refused");

  CHECK(node("node-4").status == NodeStatus::gone);
  CHECK(node("node-4").why == "presence expired");
  CHECK(node("node-4").since_unix == kNow - 30);
  CHECK(node("node-4").out());

  CHECK(node("node-5").status == NodeStatus::withdrawn);
  CHECK(node("node-5").why == "resolver rising");

  CHECK(node("node-6").status == NodeStatus::in_service);  // degraded still announces
  CHECK(node("node-7").status == NodeStatus::withdrawn);   // down, announced with when_down
  CHECK(node("node-8").status == NodeStatus::in_service);
  CHECK_FALSE(node("node-8").member);

  CHECK(node("node-9").status == NodeStatus::gone);
  CHECK(node("node-9").why == "not a member, no presence");
  CHECK(node("node-9").slot);

  CHECK(view.out_count() == 6);  // 2, 3, 4, 5, 7, 9
  CHECK(view.present_count() == 7);
}

TEST_CASE("view: a node with a service in maintenance and another down names both") {
  auto etcd = healthy_fleet(0);
  etcd.join("node-1");
  etcd.present(presence(
      "node-1", {service("down", "withdraw", "x timeout", kNow - 500), in_maintenance("upgrade")}));
  auto n = *etcd.view().find("node-1");
  CHECK(n.status == NodeStatus::maintenance);
  CHECK(n.why == "resolver in maintenance: upgrade; resolver down: x timeout");
  CHECK(n.since_unix == kNow - 500);
}

TEST_CASE("view: many services out are named three at a time") {
  auto etcd = healthy_fleet(0);
  std::vector<ServiceRecord> services;
  for (int i = 0; i < 10; ++i) {
    auto s = service("down", "withdraw", "t" + std::to_string(i), kNow - 100 + i);
    s.name = "s" + std::to_string(i);
    services.push_back(s);
  }
  etcd.present(presence("node-1", services));
  auto n = *etcd.view().find("node-1");
  CHECK(n.why == "s0 down: t0; s1 down: t1; s2 down: t2; and 7 more");
  CHECK(n.since_unix == kNow - 100);
}

TEST_CASE("view: a node in service that holds a slot is out") {
  auto etcd = healthy_fleet(2);
  etcd.put(budget_key(kPrefix), render(BudgetRecord{{{"node-1", "verifying", kNow - 5}}}));
  auto view = etcd.view();
  CHECK(view.find("node-1")->status == NodeStatus::in_service);
  CHECK(view.find("node-1")->out());
  CHECK(view.out_count() == 1);
}

TEST_CASE("view: unreadable records are skipped with one line each") {
  auto etcd = healthy_fleet(2);
  etcd.put(presence_key(kPrefix, "node-2"), "\xff\xfe garbage");
  etcd.put(member_key(kPrefix, "node-3"), "{\"v\": 9}");
  etcd.put(presence_key(kPrefix, "node-4"), render(presence("node-5", {up()})));
  etcd.put(std::string(kPrefix) + "/members/bad name", "{}");
  etcd.put(std::string(kPrefix) + "/something-newer", "{}");
  auto records = read_records(kPrefix, etcd.range());
  REQUIRE(records.skipped.size() == 3);
  CHECK(records.skipped[0] == "members/node-3: unknown version 9 (this node reads 1; upgrade it)");
  CHECK(records.skipped[1] == "presence/node-2: not UTF-8");
  CHECK(records.skipped[2] ==
        "presence/node-4: record of node \"node-5\" under the key of \"node-4\"");
  auto view = fleet_view(records);
  // Alive (its lease holds the key) but unreadable: counted out, never in service.
  CHECK(view.find("node-2")->status == NodeStatus::unknown);
  CHECK(view.find("node-2")->why == "presence record unreadable: not UTF-8");
  CHECK(view.find("node-2")->out());
  CHECK(view.find("node-3") == nullptr);  // its only record unreadable
  CHECK(view.find("node-4")->status == NodeStatus::unknown);
}

TEST_CASE("view: the number of nodes is bounded") {
  FleetRecords records;
  for (std::size_t i = 0; i < kMaxNodes + 10; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "n%05zu", i);
    records.members[name] = MemberRecord{name, 1, "0.1.0"};
  }
  auto view = fleet_view(records);
  CHECK(view.nodes.size() == kMaxNodes);
  REQUIRE(view.skipped.size() == 1);
  CHECK(contains(view.skipped[0], "more than 1024 nodes: n01024"));
}

TEST_CASE("nodes announcing a prefix, for the fleet floor") {
  auto etcd = healthy_fleet(3);
  etcd.present(presence("node-3", {service("down", "withdraw")}));
  etcd.join("node-4");
  etcd.present(presence("node-4", {service("degraded", "announce-degraded")}));
  auto view = etcd.view();
  CHECK(nodes_announcing(view, "192.0.2.53/32", "node-1") == 2);  // node-2, node-4
  CHECK(nodes_announcing(view, "192.0.2.53/32", "") == 3);
  CHECK(nodes_announcing(view, "198.51.100.1/32", "") == 0);
}

TEST_CASE("slot: granted when the budget has room, with the record to write") {
  auto etcd = healthy_fleet(3);
  auto view = etcd.view();
  auto d = decide_slot(view, {"node-1", "bind upgrade", kNow, 1});
  REQUIRE(d.kind == SlotDecision::Kind::granted);
  CHECK(d.compare_revision == 0);  // no budget key yet
  REQUIRE(d.budget.slots.size() == 1);
  CHECK(d.budget.slots[0] == Slot{"node-1", "bind upgrade", kNow});
  CHECK(d.message == "fleet slot taken: 1 of 1 allowed out of service with this node");
  CHECK(d.out.empty());
}

TEST_CASE("slot: refused while another node is out, naming it and since when") {
  auto etcd = healthy_fleet(3);
  etcd.present(presence(
      "node-3", {service("down", "withdraw", "local-zone connection_refused", kNow - 252)}));
  auto d = decide_slot(etcd.view(), {"node-1", "bind upgrade", kNow, 1});
  REQUIRE(d.kind == SlotDecision::Kind::refused);
  REQUIRE(d.out.size() == 1);
  CHECK(d.out[0].node == "node-3");
  CHECK(d.message ==
        "refused: the fleet allows 1 node out of service (max_unavailable) and 1 other is out: "
        "node-3 withdrawn since 2026-11-22T09:22:28Z (4m12s ago) (resolver down: local-zone "
        "connection_refused); nothing changed on this node; next: `anycast-sidecar fleet` shows "
        "the fleet, try again once a node is back in service (or `fleet release` / `fleet "
        "forget` what a person has checked)");
  // The same with max_unavailable 2: granted.
  auto d2 = decide_slot(etcd.view(), {"node-1", "bind upgrade", kNow, 2});
  CHECK(d2.kind == SlotDecision::Kind::granted);
  CHECK(d2.message == "fleet slot taken: 2 of 2 allowed out of service with this node");
}

TEST_CASE("slot: every way of being out counts against the budget") {
  SECTION("in maintenance") {
    auto etcd = healthy_fleet(2);
    etcd.present(presence("node-2", {in_maintenance()}));
    CHECK(decide_slot(etcd.view(), {"node-1", "", kNow, 1}).kind == SlotDecision::Kind::refused);
  }
  SECTION("gone: a dead machine") {
    auto etcd = healthy_fleet(2);
    etcd.expire("node-2");
    auto d = decide_slot(etcd.view({{"node-2", kNow - 30}}), {"node-1", "", kNow, 1});
    CHECK(d.kind == SlotDecision::Kind::refused);
    CHECK(
        contains(d.message, "node-2 gone since 2026-11-22T09:26:10Z (30s ago) (presence expired)"));
  }
  SECTION("gone without a known time") {
    auto etcd = healthy_fleet(2);
    etcd.expire("node-2");
    auto d = decide_slot(etcd.view(), {"node-1", "", kNow, 1});
    CHECK(contains(d.message, "node-2 gone (presence expired)"));
  }
  SECTION("holding a slot although back in service") {
    auto etcd = healthy_fleet(2);
    etcd.put(budget_key(kPrefix), render(BudgetRecord{{{"node-2", "verifying", kNow - 10}}}));
    auto d = decide_slot(etcd.view(), {"node-1", "", kNow, 1});
    CHECK(d.kind == SlotDecision::Kind::refused);
    CHECK(contains(d.message,
                   "node-2 in service, holding a slot since 2026-11-22T09:26:30Z (10s "
                   "ago) (verifying)"));
  }
  SECTION("unreadable presence") {
    auto etcd = healthy_fleet(2);
    etcd.put(presence_key(kPrefix, "node-2"), "{\"v\": 3}");
    CHECK(decide_slot(etcd.view(), {"node-1", "", kNow, 1}).kind == SlotDecision::Kind::refused);
  }
  SECTION("starting up (init, not yet announcing)") {
    auto etcd = healthy_fleet(2);
    etcd.present(presence("node-2", {service("init", "withdraw")}));
    CHECK(decide_slot(etcd.view(), {"node-1", "", kNow, 1}).kind == SlotDecision::Kind::refused);
  }
  SECTION("degraded is in service") {
    auto etcd = healthy_fleet(2);
    etcd.present(presence("node-2", {service("degraded", "announce-degraded")}));
    CHECK(decide_slot(etcd.view(), {"node-1", "", kNow, 1}).kind == SlotDecision::Kind::granted);
  }
}

TEST_CASE("slot: a node already out itself counts once") {
  auto etcd = healthy_fleet(3);
  etcd.present(presence("node-1", {service("down", "withdraw", "local-zone timeout")}));
  auto d = decide_slot(etcd.view(), {"node-1", "fixing it", kNow, 1});
  CHECK(d.kind == SlotDecision::Kind::granted);
}

TEST_CASE("slot: the longest out is named first") {
  auto etcd = healthy_fleet(4);
  etcd.present(presence("node-2", {in_maintenance()}));                              // 60 s
  etcd.present(presence("node-3", {service("down", "withdraw", "x", kNow - 900)}));  // 15 min
  etcd.expire("node-4");                                                             // unknown
  auto d = decide_slot(etcd.view(), {"node-1", "", kNow, 2});
  REQUIRE(d.kind == SlotDecision::Kind::refused);
  REQUIRE(d.out.size() == 3);
  CHECK(d.out[0].node == "node-3");
  CHECK(d.out[1].node == "node-2");
  CHECK(d.out[2].node == "node-4");
  CHECK(
      contains(d.message, "allows 2 nodes out of service (max_unavailable) and 3 others are out"));
}

TEST_CASE("slot: asking again while holding one changes nothing") {
  auto etcd = healthy_fleet(2);
  etcd.put(budget_key(kPrefix), render(BudgetRecord{{{"node-1", "bind upgrade", kNow - 120}}}));
  auto d = decide_slot(etcd.view(), {"node-1", "again", kNow, 1});
  CHECK(d.kind == SlotDecision::Kind::already_held);
  CHECK(d.message ==
        "this node (node-1) already holds a fleet slot since 2026-11-22T09:24:40Z "
        "(2m00s ago) (bind upgrade)");
}

TEST_CASE("slot: max_unavailable 0 refuses everything; an unreadable budget decides nothing") {
  auto etcd = healthy_fleet(2);
  CHECK(decide_slot(etcd.view(), {"node-1", "", kNow, 0}).kind == SlotDecision::Kind::refused);
  CHECK(decide_slot(etcd.view(), {"node-1", "", kNow, -3}).kind == SlotDecision::Kind::refused);
  etcd.put(budget_key(kPrefix), "{\"v\": 1, \"slots\": 5}");
  auto d = decide_slot(etcd.view(), {"node-1", "", kNow, 5});
  CHECK(d.kind == SlotDecision::Kind::unreadable);
  CHECK(contains(d.message, "budget record is unreadable (slots: not a list); nothing changed"));
  CHECK(decide_release(etcd.view(), "node-1", kNow).kind == ReleaseDecision::Kind::unreadable);
}

TEST_CASE("slot: a full budget record refuses rather than cut a slot off") {
  auto etcd = healthy_fleet(1);
  BudgetRecord full;
  for (std::size_t i = 0; i < kMaxSlots; ++i) {
    full.slots.push_back({"gone-" + std::to_string(i), "", kNow});
  }
  etcd.put(budget_key(kPrefix), render(full));
  auto d = decide_slot(etcd.view(), {"node-1", "", kNow, 100000});
  CHECK(d.kind == SlotDecision::Kind::refused);
}

TEST_CASE("release: gives the slot back, or says who holds slots") {
  auto etcd = healthy_fleet(3);
  etcd.put(budget_key(kPrefix), render(BudgetRecord{{{"node-1", "bind upgrade", kNow - 300},
                                                     {"node-2", "kernel", kNow - 200}}}));
  auto rev = etcd.mod_revision(budget_key(kPrefix));
  auto d = decide_release(etcd.view(), "node-1", kNow);
  REQUIRE(d.kind == ReleaseDecision::Kind::release);
  CHECK(d.compare_revision == rev);
  CHECK(d.budget == BudgetRecord{{{"node-2", "kernel", kNow - 200}}});
  REQUIRE(d.released);
  CHECK(d.released->node == "node-1");
  CHECK(d.message ==
        "fleet slot of node-1 released (held since 2026-11-22T09:21:40Z (5m00s ago), "
        "bind upgrade)");

  auto none = decide_release(etcd.view(), "node-3", kNow);
  CHECK(none.kind == ReleaseDecision::Kind::not_held);
  CHECK(none.message == "node-3 holds no fleet slot (slots held by node-1, node-2)");
  CHECK(decide_release(healthy_fleet(1).view(), "node-1", kNow).message ==
        "node-1 holds no fleet slot (no slot is held)");
}

TEST_CASE("forget: removes a gone member, frees its slot, refuses a present one") {
  auto etcd = healthy_fleet(3);
  etcd.expire("node-3");
  etcd.put(budget_key(kPrefix), render(BudgetRecord{{{"node-3", "upgrade", kNow - 100}}}));
  auto d = decide_forget(etcd.view(), "node-3", kNow);
  REQUIRE(d.kind == ForgetDecision::Kind::forget);
  CHECK(d.delete_member);
  CHECK(d.write_budget);
  CHECK(d.budget.slots.empty());
  CHECK(d.compare_revision == etcd.mod_revision(budget_key(kPrefix)));
  CHECK(contains(d.message, "node-3 forgotten: it no longer counts against the budget; its slot"));
  REQUIRE(etcd.txn(d.compare_revision, d.budget, member_key(kPrefix, "node-3")));
  CHECK(etcd.view().find("node-3") == nullptr);
  CHECK(etcd.view().out_count() == 0);

  auto present = decide_forget(etcd.view(), "node-2", kNow);
  CHECK(present.kind == ForgetDecision::Kind::present);
  CHECK_FALSE(present.delete_member);

  CHECK(decide_forget(etcd.view(), "node-9", kNow).kind == ForgetDecision::Kind::not_member);

  // A gone member without a slot: only its member record goes.
  etcd.expire("node-2");
  auto plain = decide_forget(etcd.view(), "node-2", kNow);
  CHECK(plain.kind == ForgetDecision::Kind::forget);
  CHECK(plain.delete_member);
  CHECK_FALSE(plain.write_budget);

  // Alive but unreadable: still present.
  etcd.put(presence_key(kPrefix, "node-1"), "junk");
  CHECK(decide_forget(etcd.view(), "node-1", kNow).kind == ForgetDecision::Kind::present);
}

TEST_CASE("forget: a slot in an unreadable budget cannot be freed") {
  FleetView view;
  NodeView n;
  n.node = "node-3";
  n.status = NodeStatus::gone;
  n.member = true;
  n.slot = Slot{"node-3", "", kNow};
  view.nodes.push_back(n);
  view.budget_error = "not JSON";
  CHECK(decide_forget(view, "node-3", kNow).kind == ForgetDecision::Kind::unreadable);
}

namespace {

VerifyInput verify_input(std::vector<VerifyCheck> checks, int rise = 3) {
  VerifyInput in;
  in.service = "resolver";
  in.checks = std::move(checks);
  in.rise = rise;
  in.now_unix = kNow;
  return in;
}

}  // namespace

TEST_CASE("verify: passes after rise rounds of the down checks") {
  auto in =
      verify_input({{"local-zone", false, true, "ok", 3}, {"recursion", false, true, "ok", 5}});
  auto d = decide_verify(in);
  CHECK(d.kind == VerifyDecision::Kind::passed);
  CHECK(d.passing_rounds == 3);
  CHECK(d.record.ok);
  CHECK(d.record.service == "resolver");
  CHECK(d.message == "resolver verified: 3 of 3 passing rounds");
}

TEST_CASE("verify: waits while rounds are missing or a check fails, fails at the timeout") {
  auto in =
      verify_input({{"local-zone", false, true, "ok", 2}, {"recursion", false, true, "ok", 9}});
  auto d = decide_verify(in);
  CHECK(d.kind == VerifyDecision::Kind::waiting);
  CHECK(d.message == "resolver: 2 of 3 passing rounds");

  in.checks[0] = {"local-zone", false, false, "connection_refused", 0};
  d = decide_verify(in);
  CHECK(d.kind == VerifyDecision::Kind::waiting);
  CHECK(d.passing_rounds == 0);
  CHECK(d.message == "resolver: 0 of 3 passing rounds; local-zone: connection_refused");

  in.timed_out = true;
  d = decide_verify(in);
  CHECK(d.kind == VerifyDecision::Kind::failed);
  CHECK_FALSE(d.record.ok);
  CHECK(d.record.check == "local-zone");
  CHECK(d.record.reason == "connection_refused");
  CHECK(d.record.at_unix == kNow);
  CHECK(d.message ==
        "resolver failed verification (local-zone: connection_refused): it stays in "
        "maintenance and this node keeps its fleet slot; next: fix it, then "
        "`anycast-sidecar maintenance off --verify` again");

  // Without a fleet block there is no slot to keep, and the message does not invent one.
  in.fleet = false;
  d = decide_verify(in);
  CHECK(d.kind == VerifyDecision::Kind::failed);
  CHECK(d.message ==
        "resolver failed verification (local-zone: connection_refused): it stays in "
        "maintenance; next: fix it, then `anycast-sidecar maintenance off --verify` again");
  in.fleet = true;

  // Timed out with every check passing but too few rounds: no check to name.
  in.checks = {{"local-zone", false, true, "ok", 1}};
  d = decide_verify(in);
  CHECK(d.kind == VerifyDecision::Kind::failed);
  CHECK(d.record.check.empty());
  CHECK(d.record.reason == "only 1 of 3 passing rounds before the timeout");

  // Never probed.
  in.checks = {{"local-zone", false, false, "", 0}};
  d = decide_verify(in);
  CHECK(d.record.reason == "not probed yet");
}

TEST_CASE("verify: degrade checks never hold the return back") {
  auto in = verify_input(
      {{"local-zone", false, true, "ok", 4}, {"recursion", true, false, "servfail", 0}});
  CHECK(decide_verify(in).kind == VerifyDecision::Kind::passed);
  in = verify_input({{"recursion", true, false, "servfail", 0}});
  CHECK(decide_verify(in).kind == VerifyDecision::Kind::passed);
}

TEST_CASE("verify: the policy decides how check rounds make service rounds") {
  std::vector<VerifyCheck> checks = {
      {"a", false, true, "ok", 5}, {"b", false, true, "ok", 2}, {"c", false, false, "timeout", 0}};
  auto in = verify_input(checks);
  in.policy = {sidecar::Policy::Kind::all, 0};
  CHECK(decide_verify(in).passing_rounds == 0);
  in.policy = {sidecar::Policy::Kind::any, 0};
  CHECK(decide_verify(in).passing_rounds == 5);
  CHECK(decide_verify(in).kind == VerifyDecision::Kind::passed);
  in.policy = {sidecar::Policy::Kind::quorum, 2};
  CHECK(decide_verify(in).passing_rounds == 2);
  CHECK(decide_verify(in).kind == VerifyDecision::Kind::waiting);
  in.policy = {sidecar::Policy::Kind::quorum, 4};
  CHECK(decide_verify(in).passing_rounds == 0);
  in.policy = {sidecar::Policy::Kind::quorum, 0};  // nonsense quorum reads as 1
  CHECK(decide_verify(in).passing_rounds == 5);
}

TEST_CASE("verify: rise below 1 and negative counters are harmless") {
  auto in = verify_input({{"a", false, true, "ok", -7}}, 0);
  auto d = decide_verify(in);
  CHECK(d.passing_rounds == 0);
  CHECK(d.kind == VerifyDecision::Kind::waiting);
  CHECK(d.message == "resolver: 0 of 1 passing rounds");
}

TEST_CASE("presence memory: a vanished presence is gone since the read that saw it go") {
  auto etcd = healthy_fleet(3);
  PresenceMemory memory;
  memory.update(read_records(kPrefix, etcd.range()), kNow - 100);
  CHECK(memory.gone_since().empty());
  etcd.expire("node-2");
  memory.update(read_records(kPrefix, etcd.range()), kNow - 40);
  memory.update(read_records(kPrefix, etcd.range()), kNow - 20);  // still gone: time kept
  REQUIRE(memory.gone_since().count("node-2"));
  CHECK(memory.gone_since().at("node-2") == kNow - 40);
  auto view = etcd.view(memory.gone_since());
  CHECK(view.find("node-2")->since_unix == kNow - 40);
  CHECK(contains(describe_out(*view.find("node-2"), kNow),
                 "node-2 gone since 2026-11-22T09:26:00Z (40s ago)"));

  etcd.present(presence("node-2", {up()}));  // back
  memory.update(read_records(kPrefix, etcd.range()), kNow);
  CHECK(memory.gone_since().empty());

  etcd.expire("node-3");
  memory.update(read_records(kPrefix, etcd.range()), kNow);
  CHECK(memory.gone_since().count("node-3"));
  etcd.del(member_key(kPrefix, "node-3"));  // forgotten
  memory.update(read_records(kPrefix, etcd.range()), kNow + 1);
  CHECK(memory.gone_since().empty());
}
