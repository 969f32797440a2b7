// The fleet floor's decision (fleet_floor.hpp): every case of one node's wish against the
// record and the presences, then every race as a test: nodes deciding from one snapshot, their
// txns landing in every order, the losers reading and deciding again.
#include <algorithm>
#include <catch2/catch.hpp>

#include "fleet/fleet_fixture.hpp"
#include "sidecar/fleet/fleet_floor.hpp"

using namespace fleet;
using namespace fleet_test;

namespace {

const std::string kRoute = "192.0.2.53/32";

std::string key() {
  return floor_key(kPrefix, kRoute);
}

void list(FakeEtcd& etcd, std::vector<std::string> nodes) {
  etcd.put(key(), render(FloorRecord{kRoute, std::move(nodes)}));
}

ServiceRecord failing(const std::string& desired = "announce-degraded") {
  return service("down", desired, "recursion servfail");
}

FloorDecision decide(const FakeEtcd& etcd, const std::string& node, FloorWish wish, int n) {
  return decide_floor(etcd.view(), etcd.get(key()), {node, kRoute, wish, n});
}

// What a node's daemon does: read, decide, txn; on a conflict read and decide again.
FloorDecision settle(FakeEtcd& etcd, const std::string& node, FloorWish wish, int n) {
  FloorDecision d;
  for (int attempt = 0; attempt < kMaxTxnAttempts; ++attempt) {
    d = decide(etcd, node, wish, n);
    if (!d.write || etcd.cas(key(), d.compare_revision, render(d.record))) return d;
  }
  FAIL("no decision settled in " << kMaxTxnAttempts << " attempts");
  return d;
}

std::vector<std::string> listed(const FakeEtcd& etcd) {
  auto kv = etcd.get(key());
  if (!kv) return {};
  auto f = parse_floor(kv->value);
  REQUIRE(f.value);
  return f.value->announcers;
}

// Every node whose route is announced: not withdrawn by its decision.
void announces(FakeEtcd& etcd, const std::string& node, const std::string& desired) {
  etcd.present(presence(node, {desired == "announce" ? up() : failing(desired)}));
}

}  // namespace

TEST_CASE("floor off: every wish does what the service says, nothing is written") {
  auto etcd = healthy_fleet(3);
  for (auto wish :
       {FloorWish::announce, FloorWish::soft_withdraw, FloorWish::hard_withdraw, FloorWish::none}) {
    auto d = decide(etcd, "node-1", wish, 0);
    CHECK_FALSE(d.write);
    CHECK(d.kind == (wish == FloorWish::announce ? FloorDecision::Kind::announce
                                                 : FloorDecision::Kind::withdraw));
  }
}

TEST_CASE("announce: lists the node once (absent record, then already listed)") {
  auto etcd = healthy_fleet(3);
  auto d = decide(etcd, "node-2", FloorWish::announce, 2);
  CHECK(d.kind == FloorDecision::Kind::announce);
  REQUIRE(d.write);
  CHECK(d.compare_revision == 0);  // the key is absent: the txn creates it
  CHECK(d.record.announcers == std::vector<std::string>{"node-2"});
  CHECK(etcd.cas(key(), d.compare_revision, render(d.record)));
  CHECK_FALSE(decide(etcd, "node-2", FloorWish::announce, 2).write);
  settle(etcd, "node-1", FloorWish::announce, 2);
  CHECK(listed(etcd) == std::vector<std::string>{"node-1", "node-2"});  // sorted
}

TEST_CASE("soft withdraw with enough others: withdraws and unlists itself") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1", "node-2", "node-3"});
  auto d = decide(etcd, "node-1", FloorWish::soft_withdraw, 2);
  CHECK(d.kind == FloorDecision::Kind::withdraw);
  CHECK(d.counted == std::vector<std::string>{"node-2", "node-3"});
  REQUIRE(d.write);
  CHECK(d.record.announcers == std::vector<std::string>{"node-2", "node-3"});
  CHECK(d.compare_revision == etcd.mod_revision(key()));
  CHECK(d.why.find("withdrawn as usual") != std::string::npos);
}

TEST_CASE("soft withdraw with too few others: holds, says why, stays listed") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1", "node-2"});
  auto d = decide(etcd, "node-1", FloorWish::soft_withdraw, 2);
  CHECK(d.kind == FloorDecision::Kind::hold);
  CHECK_FALSE(d.write);
  CHECK(d.counted == std::vector<std::string>{"node-2"});
  CHECK(d.why ==
        "held up by the fleet floor: 1 other node announce 192.0.2.53/32 (node-2), "
        "min_announcing is 2");
}

TEST_CASE("soft withdraw of an unlisted node with too few others: holds and lists itself") {
  auto etcd = healthy_fleet(3);
  auto d = decide(etcd, "node-3", FloorWish::soft_withdraw, 1);
  CHECK(d.kind == FloorDecision::Kind::hold);
  REQUIRE(d.write);
  CHECK(d.record.announcers == std::vector<std::string>{"node-3"});
  CHECK(d.why.find("(none)") != std::string::npos);
}

TEST_CASE("soft withdraw of an unlisted node with enough others: withdraws, writes nothing") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1", "node-2"});
  auto d = decide(etcd, "node-3", FloorWish::soft_withdraw, 2);
  CHECK(d.kind == FloorDecision::Kind::withdraw);
  CHECK_FALSE(d.write);
}

TEST_CASE("hard withdraw: always withdraws, unlists itself, even below the floor") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1"});
  auto d = decide(etcd, "node-1", FloorWish::hard_withdraw, 2);
  CHECK(d.kind == FloorDecision::Kind::withdraw);
  REQUIRE(d.write);
  CHECK(d.record.announcers.empty());
  CHECK(d.why.find("hard failure") != std::string::npos);
  // Not listed: nothing to write.
  CHECK_FALSE(decide(etcd, "node-2", FloorWish::hard_withdraw, 2).write);
}

TEST_CASE("none (maintenance, disabled): not held, unlisted") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1", "node-2"});
  auto d = decide(etcd, "node-1", FloorWish::none, 3);
  CHECK(d.kind == FloorDecision::Kind::withdraw);
  REQUIRE(d.write);
  CHECK(d.record.announcers == std::vector<std::string>{"node-2"});
}

TEST_CASE("a gone node (presence expired) does not count although it is listed") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1", "node-2", "node-3"});
  etcd.expire("node-3");
  auto d = decide(etcd, "node-1", FloorWish::soft_withdraw, 2);
  CHECK(d.kind == FloorDecision::Kind::hold);
  CHECK(d.counted == std::vector<std::string>{"node-2"});
}

TEST_CASE("a listed node whose presence says it withdrew does not count (stale entry)") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1", "node-2", "node-3"});
  etcd.present(presence("node-3", {service("down", "withdraw", "local-zone connection_refused")}));
  auto d = decide(etcd, "node-1", FloorWish::soft_withdraw, 2);
  CHECK(d.kind == FloorDecision::Kind::hold);
  CHECK(d.counted == std::vector<std::string>{"node-2"});
}

TEST_CASE("a listed node with an unreadable presence does not count") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1", "node-2", "node-3"});
  etcd.put(presence_key(kPrefix, "node-3"), "not json");
  CHECK(decide(etcd, "node-1", FloorWish::soft_withdraw, 2).kind == FloorDecision::Kind::hold);
}

TEST_CASE("a listed node announcing another prefix only does not count for this one") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1", "node-2", "node-3"});
  auto other = up();
  other.routes = {{"192.0.2.54/32", "announce"}};
  etcd.present(presence("node-3", {other}));
  CHECK(decide(etcd, "node-1", FloorWish::soft_withdraw, 2).kind == FloorDecision::Kind::hold);
}

TEST_CASE("a present, announcing node not yet listed does not count (listing comes after)") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1", "node-2"});
  CHECK(decide(etcd, "node-1", FloorWish::soft_withdraw, 2).kind == FloorDecision::Kind::hold);
}

TEST_CASE("held nodes (announce-degraded) count for the others") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1", "node-2", "node-3"});
  announces(etcd, "node-2", "announce-degraded");
  announces(etcd, "node-3", "announce-degraded");
  auto d = decide(etcd, "node-1", FloorWish::soft_withdraw, 2);
  CHECK(d.kind == FloorDecision::Kind::withdraw);
}

TEST_CASE("an unreadable floor record counts nobody (fail open) and is rewritten") {
  for (std::string bad : {std::string("garbage"), std::string("{\"v\":2}"),
                          render(FloorRecord{"192.0.2.54/32", {"node-2", "node-3"}}),
                          std::string(R"({"v":1,"prefix":"192.0.2.53/32","announcers":["a","a"]})"),
                          std::string(R"({"v":1,"prefix":"192.0.2.53/32","announcers":[7]})")}) {
    CAPTURE(bad);
    auto etcd = healthy_fleet(3);
    etcd.put(key(), bad);
    auto d = decide(etcd, "node-1", FloorWish::soft_withdraw, 1);
    CHECK(d.kind == FloorDecision::Kind::hold);
    CHECK(d.why.find("unreadable") != std::string::npos);
    REQUIRE(d.write);
    CHECK(d.record == FloorRecord{kRoute, {"node-1"}});
    auto h = decide(etcd, "node-2", FloorWish::hard_withdraw, 1);
    CHECK(h.kind == FloorDecision::Kind::withdraw);
    REQUIRE(h.write);
    CHECK(h.record == FloorRecord{kRoute, {}});
  }
}

TEST_CASE("floor record: render and parse round trip; bounds") {
  FloorRecord f{kRoute, {"a", "b-1", "c.d"}};
  auto p = parse_floor(render(f));
  REQUIRE(p.value);
  CHECK(*p.value == f);
  CHECK(parse_floor(R"({"v":1,"prefix":"x"})").error == "announcers: missing");
  CHECK(parse_floor(R"({"v":1,"prefix":"x","announcers":["bad name"]})").error ==
        "announcers[0]: not a node name");
  std::string many = R"({"v":1,"prefix":"x","announcers":[)";
  for (std::size_t i = 0; i <= kMaxNodesPerFloor; ++i)
    many += (i ? ",\"n" : "\"n") + std::to_string(i) + "\"";
  many += "]}";
  CHECK(parse_floor(many).error == "announcers: 1025 entries, more than 1024");
  CHECK(parse_key(kPrefix, key()).kind == KeyKind::floor);
  // The largest record the bounds allow is read back whole.
  FloorRecord worst{std::string(kMaxLabelBytes, 'p'), {}};
  for (std::size_t i = 0; i < kMaxNodesPerFloor; ++i) {
    auto n = std::to_string(i);
    worst.announcers.push_back(n + std::string(kMaxNameBytes - n.size(), 'n'));
  }
  auto big = render(worst);
  CHECK(big.size() < kMaxRecordBytes);
  auto back = parse_floor(big);
  REQUIRE(back.value);
  CHECK(*back.value == worst);
}

// --- races ---

TEST_CASE("race: three nodes fail from one snapshot, floor 2: one withdraws, two hold") {
  for (int order = 0; order < 6; ++order) {
    auto etcd = healthy_fleet(3);
    list(etcd, {"node-1", "node-2", "node-3"});
    std::vector<std::string> nodes{"node-1", "node-2", "node-3"};
    for (int k = 0; k < order; ++k) std::next_permutation(nodes.begin(), nodes.end());
    // All three decide from the same snapshot: each alone would withdraw.
    std::vector<FloorDecision> first;
    for (const auto& n : nodes) first.push_back(decide(etcd, n, FloorWish::soft_withdraw, 2));
    for (const auto& d : first) CHECK(d.kind == FloorDecision::Kind::withdraw);
    // Their txns land in this order: the first wins, the others' compares fail.
    CHECK(etcd.cas(key(), first[0].compare_revision, render(first[0].record)));
    CHECK_FALSE(etcd.cas(key(), first[1].compare_revision, render(first[1].record)));
    CHECK_FALSE(etcd.cas(key(), first[2].compare_revision, render(first[2].record)));
    announces(etcd, nodes[0], "withdraw");
    // The losers read again: they hold.
    CHECK(settle(etcd, nodes[1], FloorWish::soft_withdraw, 2).kind == FloorDecision::Kind::hold);
    CHECK(settle(etcd, nodes[2], FloorWish::soft_withdraw, 2).kind == FloorDecision::Kind::hold);
    CHECK(listed(etcd).size() == 2);
  }
}

TEST_CASE("race: N nodes, floor F, every interleaving: never fewer than F listed and counted") {
  // Each round: every node reads one snapshot and decides; the txns land in a rotating order;
  // losers retry until settled. Withdrawn nodes then publish that they withdrew.
  for (int nodes = 2; nodes <= 5; ++nodes) {
    for (int floor = 1; floor <= nodes; ++floor) {
      for (int rotate = 0; rotate < nodes; ++rotate) {
        auto etcd = healthy_fleet(nodes);
        std::vector<std::string> names;
        for (int i = 1; i <= nodes; ++i) names.push_back("node-" + std::to_string(i));
        list(etcd, names);
        std::rotate(names.begin(), names.begin() + rotate, names.end());
        std::vector<FloorDecision> first;
        for (const auto& n : names)
          first.push_back(decide(etcd, n, FloorWish::soft_withdraw, floor));
        int withdrawn = 0;
        for (std::size_t k = 0; k < names.size(); ++k) {
          auto d = first[k];
          if (d.write && !etcd.cas(key(), d.compare_revision, render(d.record))) {
            d = settle(etcd, names[k], FloorWish::soft_withdraw, floor);
          }
          if (d.kind == FloorDecision::Kind::withdraw) {
            ++withdrawn;
            // Its presence may lag: still "announce-degraded" here, the worst case for others.
          }
        }
        CAPTURE(nodes, floor, rotate);
        // Exactly nodes - floor withdrew (a node needs floor others; the last floor hold).
        CHECK(withdrawn == nodes - floor);
        CHECK(listed(etcd).size() == static_cast<std::size_t>(floor));
      }
    }
  }
}

TEST_CASE("race: a held node withdraws once enough others announce again, not before") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1", "node-2", "node-3"});
  for (auto n : {"node-1", "node-2", "node-3"}) announces(etcd, n, "announce-degraded");
  CHECK(settle(etcd, "node-1", FloorWish::soft_withdraw, 2).kind == FloorDecision::Kind::withdraw);
  announces(etcd, "node-1", "withdraw");
  CHECK(settle(etcd, "node-2", FloorWish::soft_withdraw, 2).kind == FloorDecision::Kind::hold);
  // node-1 comes back: it announces, then lists itself. node-2 may now leave.
  announces(etcd, "node-1", "announce");
  CHECK(decide(etcd, "node-2", FloorWish::soft_withdraw, 2).kind == FloorDecision::Kind::hold);
  settle(etcd, "node-1", FloorWish::announce, 2);
  CHECK(settle(etcd, "node-2", FloorWish::soft_withdraw, 2).kind == FloorDecision::Kind::withdraw);
  announces(etcd, "node-2", "withdraw");
  // node-3 still may not: node-1 alone is one.
  CHECK(settle(etcd, "node-3", FloorWish::soft_withdraw, 2).kind == FloorDecision::Kind::hold);
  CHECK(listed(etcd) == std::vector<std::string>{"node-1", "node-3"});
}

TEST_CASE("race: a node comes back while another leaves, both from one snapshot") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-2", "node-3"});
  announces(etcd, "node-1", "announce");
  auto back = decide(etcd, "node-1", FloorWish::announce, 1);
  auto leave = decide(etcd, "node-2", FloorWish::soft_withdraw, 1);
  CHECK(leave.kind == FloorDecision::Kind::withdraw);
  CHECK(etcd.cas(key(), back.compare_revision, render(back.record)));
  // The leave's compare fails: it would have dropped node-1's entry (a lost update).
  CHECK_FALSE(etcd.cas(key(), leave.compare_revision, render(leave.record)));
  CHECK(settle(etcd, "node-2", FloorWish::soft_withdraw, 1).kind == FloorDecision::Kind::withdraw);
  CHECK(listed(etcd) == std::vector<std::string>{"node-1", "node-3"});
}

TEST_CASE("race: a node dies while listed; the others hold once its presence expires") {
  auto etcd = healthy_fleet(3);
  list(etcd, {"node-1", "node-2", "node-3"});
  etcd.expire("node-2");  // killed: its lease ran out, its entry stays
  CHECK(settle(etcd, "node-1", FloorWish::soft_withdraw, 1).kind == FloorDecision::Kind::withdraw);
  announces(etcd, "node-1", "withdraw");
  auto d = settle(etcd, "node-3", FloorWish::soft_withdraw, 1);
  CHECK(d.kind == FloorDecision::Kind::hold);  // node-2's entry does not satisfy the floor
  CHECK(d.counted.empty());
}

TEST_CASE("race: a hard withdraw and a soft one at once: the hard one is never held") {
  auto etcd = healthy_fleet(2);
  list(etcd, {"node-1", "node-2"});
  auto hard = decide(etcd, "node-1", FloorWish::hard_withdraw, 1);
  auto soft = decide(etcd, "node-2", FloorWish::soft_withdraw, 1);
  CHECK(hard.kind == FloorDecision::Kind::withdraw);
  CHECK(soft.kind == FloorDecision::Kind::withdraw);  // from the snapshot node-1 counts
  CHECK(etcd.cas(key(), hard.compare_revision, render(hard.record)));
  CHECK_FALSE(etcd.cas(key(), soft.compare_revision, render(soft.record)));
  announces(etcd, "node-1", "withdraw");
  CHECK(settle(etcd, "node-2", FloorWish::soft_withdraw, 1).kind == FloorDecision::Kind::hold);
}

TEST_CASE("floor_wish: what each state and desired line says to the floor") {
  using sidecar::Desired;
  using sidecar::ServiceState;
  CHECK(floor_wish(ServiceState::down, Desired::withdraw, false, false) ==
        FloorWish::soft_withdraw);
  CHECK(floor_wish(ServiceState::down, Desired::withdraw, false, true) == FloorWish::hard_withdraw);
  CHECK(floor_wish(ServiceState::rising, Desired::withdraw, false, false) ==
        FloorWish::soft_withdraw);
  CHECK(floor_wish(ServiceState::down, Desired::withdraw, true, false) == FloorWish::none);
  CHECK(floor_wish(ServiceState::disabled, Desired::withdraw, false, false) == FloorWish::none);
  CHECK(floor_wish(ServiceState::init, Desired::none, false, false) == FloorWish::none);
  CHECK(floor_wish(ServiceState::init, Desired::withdraw, false, false) == FloorWish::none);
  for (auto s : {ServiceState::up, ServiceState::falling, ServiceState::degraded}) {
    CHECK(floor_wish(s, Desired::announce, false, false) == FloorWish::announce);
    CHECK(floor_wish(s, Desired::announce_degraded, false, false) == FloorWish::announce);
  }
  CHECK(floor_wish(ServiceState::down, Desired::announce_down, false, false) ==
        FloorWish::announce);
}
