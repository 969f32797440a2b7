// Every race of the budget as a test: nodes deciding from the same snapshot, then writing with
// the one txn shape (compare the budget's mod_revision). Only one write can win the compare; the
// loser's retry decides again from what the winner wrote.
#include <catch2/catch.hpp>

#include "fleet/fleet_fixture.hpp"

using namespace fleet;
using namespace fleet_test;

TEST_CASE("race: two nodes ask for the last slot from the same snapshot, one wins") {
  auto etcd = healthy_fleet(3);
  auto snapshot = etcd.view();
  auto a = decide_slot(snapshot, {"node-1", "upgrade", kNow, 1});
  auto b = decide_slot(snapshot, {"node-2", "upgrade", kNow, 1});
  REQUIRE(a.kind == SlotDecision::Kind::granted);
  REQUIRE(b.kind == SlotDecision::Kind::granted);  // both think they may
  CHECK(a.compare_revision == b.compare_revision);
  CHECK(etcd.txn(a.compare_revision, a.budget));
  CHECK_FALSE(etcd.txn(b.compare_revision, b.budget));  // the compare stops the second
  // The loser reads again and is refused, naming the winner.
  auto again = decide_slot(etcd.view(), {"node-2", "upgrade", kNow, 1});
  CHECK(again.kind == SlotDecision::Kind::refused);
  REQUIRE(again.out.size() == 1);
  CHECK(again.out[0].node == "node-1");
  auto view = etcd.view();
  REQUIRE(view.budget.slots.size() == 1);
  CHECK(view.budget.slots[0].node == "node-1");
}

TEST_CASE("race: the same, whichever order the writes reach etcd, with an existing budget key") {
  for (int order = 0; order < 2; ++order) {
    auto etcd = healthy_fleet(3);
    etcd.put(budget_key(kPrefix), render(BudgetRecord{}));  // a budget emptied by a release
    auto snapshot = etcd.view();
    CHECK(snapshot.budget_revision > 0);
    auto a = decide_slot(snapshot, {"node-1", "", kNow, 1});
    auto b = decide_slot(snapshot, {"node-2", "", kNow, 1});
    auto& first = order == 0 ? a : b;
    auto& second = order == 0 ? b : a;
    CHECK(etcd.txn(first.compare_revision, first.budget));
    CHECK_FALSE(etcd.txn(second.compare_revision, second.budget));
    CHECK(etcd.view().budget.slots.size() == 1);
  }
}

TEST_CASE("race: with two slots left, both retries succeed and the budget holds both") {
  auto etcd = healthy_fleet(4);
  auto snapshot = etcd.view();
  auto a = decide_slot(snapshot, {"node-1", "a", kNow, 2});
  auto b = decide_slot(snapshot, {"node-2", "b", kNow, 2});
  CHECK(etcd.txn(a.compare_revision, a.budget));
  CHECK_FALSE(etcd.txn(b.compare_revision, b.budget));
  // Without the compare b's write would have dropped a's slot (a lost update).
  auto retry = take_slot(etcd, "node-2", 2);
  CHECK(retry.kind == SlotDecision::Kind::granted);
  auto view = etcd.view();
  REQUIRE(view.budget.slots.size() == 2);
  CHECK(view.budget.held_by("node-1"));
  CHECK(view.budget.held_by("node-2"));
  // A third is refused.
  CHECK(take_slot(etcd, "node-3", 2).kind == SlotDecision::Kind::refused);
}

TEST_CASE("race: N nodes at once, repeated, with every interleaving of reads and writes") {
  // Each round: every node reads the same snapshot and decides; the writes land in a rotating
  // order; losers retry (read, decide, write) until granted or refused. Exactly max_unavailable
  // slots are taken, never more, whatever the order.
  for (int max_unavailable = 1; max_unavailable <= 3; ++max_unavailable) {
    for (int round = 0; round < 100; ++round) {
      auto etcd = healthy_fleet(5);
      auto snapshot = etcd.view();
      std::vector<SlotDecision> first;
      for (int i = 1; i <= 5; ++i) {
        first.push_back(
            decide_slot(snapshot, {"node-" + std::to_string(i), "", kNow, max_unavailable}));
      }
      int wins = 0;
      std::vector<int> losers;
      for (int k = 0; k < 5; ++k) {
        int i = (k + round) % 5;
        if (etcd.txn(first[i].compare_revision, first[i].budget)) {
          ++wins;
        } else {
          losers.push_back(i);
        }
      }
      CHECK(wins == 1);
      int granted = wins;
      for (int i : losers) {
        auto d = take_slot(etcd, "node-" + std::to_string(i + 1), max_unavailable);
        granted += d.kind == SlotDecision::Kind::granted ? 1 : 0;
      }
      CHECK(granted == max_unavailable);
      CHECK(etcd.view().budget.slots.size() == static_cast<std::size_t>(max_unavailable));
    }
  }
}

TEST_CASE("race: a release and a grant from the same snapshot cannot both land") {
  auto etcd = healthy_fleet(3);
  REQUIRE(take_slot(etcd, "node-1", 2).kind == SlotDecision::Kind::granted);
  auto snapshot = etcd.view();
  auto release = decide_release(snapshot, "node-1", kNow);
  auto grant = decide_slot(snapshot, {"node-2", "", kNow, 2});
  REQUIRE(release.kind == ReleaseDecision::Kind::release);
  REQUIRE(grant.kind == SlotDecision::Kind::granted);
  CHECK(etcd.txn(grant.compare_revision, grant.budget));
  // The release, decided before the grant, would erase node-2's slot: the compare refuses it.
  CHECK_FALSE(etcd.txn(release.compare_revision, release.budget));
  auto again = decide_release(etcd.view(), "node-1", kNow);
  REQUIRE(etcd.txn(again.compare_revision, again.budget));
  auto view = etcd.view();
  REQUIRE(view.budget.slots.size() == 1);
  CHECK(view.budget.slots[0].node == "node-2");
}

TEST_CASE("race: an operator's release against the node's own release, the slot goes once") {
  auto etcd = healthy_fleet(2);
  REQUIRE(take_slot(etcd, "node-1", 1).kind == SlotDecision::Kind::granted);
  auto snapshot = etcd.view();
  auto by_node = decide_release(snapshot, "node-1", kNow);
  auto by_operator = decide_release(snapshot, "node-1", kNow);
  CHECK(etcd.txn(by_node.compare_revision, by_node.budget));
  CHECK_FALSE(etcd.txn(by_operator.compare_revision, by_operator.budget));
  CHECK(decide_release(etcd.view(), "node-1", kNow).kind == ReleaseDecision::Kind::not_held);
}

TEST_CASE("race: forget and a grant from the same snapshot") {
  auto etcd = healthy_fleet(3);
  REQUIRE(take_slot(etcd, "node-3", 2).kind == SlotDecision::Kind::granted);
  etcd.expire("node-3");
  auto snapshot = etcd.view();
  auto forget = decide_forget(snapshot, "node-3", kNow);
  auto grant = decide_slot(snapshot, {"node-1", "", kNow, 2});
  REQUIRE(forget.kind == ForgetDecision::Kind::forget);
  REQUIRE(grant.kind == SlotDecision::Kind::granted);
  CHECK(etcd.txn(grant.compare_revision, grant.budget));
  CHECK_FALSE(etcd.txn(forget.compare_revision, forget.budget, member_key(kPrefix, "node-3")));
  // Decided again, the forget keeps node-1's slot.
  auto again = decide_forget(etcd.view(), "node-3", kNow);
  REQUIRE(etcd.txn(again.compare_revision, again.budget, member_key(kPrefix, "node-3")));
  auto view = etcd.view();
  REQUIRE(view.budget.slots.size() == 1);
  CHECK(view.budget.slots[0].node == "node-1");
  CHECK(view.find("node-3") == nullptr);
}

TEST_CASE("race: a node fails while another's grant is in flight (failures never ask)") {
  // A failure is not coordinated: the grant decided before node-3 went down lands, and the fleet
  // is then over budget for as long as both are out. The view says so (out_count > allowed),
  // which is what `fleet` and the alerts report; the next request is refused.
  auto etcd = healthy_fleet(3);
  auto grant = decide_slot(etcd.view(), {"node-1", "", kNow, 1});
  etcd.present(presence("node-3", {service("down", "withdraw", "local-zone timeout")}));
  CHECK(etcd.txn(grant.compare_revision, grant.budget));
  CHECK(etcd.view().out_count() == 2);
  CHECK(take_slot(etcd, "node-2", 1).kind == SlotDecision::Kind::refused);
}

TEST_CASE("race: a conflict every time ends after kMaxTxnAttempts with the last decision") {
  auto etcd = healthy_fleet(2);
  int attempts = 0;
  SlotDecision d;
  for (; attempts < kMaxTxnAttempts; ++attempts) {
    d = decide_slot(etcd.view(), {"node-1", "", kNow, 1});
    etcd.put(budget_key(kPrefix), render(BudgetRecord{}));  // someone else writes meanwhile
    if (etcd.txn(d.compare_revision, d.budget)) break;
  }
  CHECK(attempts == kMaxTxnAttempts);
  CHECK(d.kind == SlotDecision::Kind::granted);
  CHECK(etcd.view().budget.slots.empty());
}
