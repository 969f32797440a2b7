// The fleet's records: keys, rendering round trips, and parsing as hostile input (every bound,
// every wrong type, unknown versions, bad UTF-8): a bad record is an error text, never a throw.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "sidecar/fleet/fleet_records.hpp"

using nlohmann::json;
using namespace fleet;

namespace {

PresenceRecord sample_presence() {
  PresenceRecord p;
  p.node = "node-1";
  p.version = "0.1.0";
  p.updated_unix = 1795339600.25;
  ServiceRecord s;
  s.name = "resolver";
  s.state = "disabled";
  s.desired = "withdraw";
  s.reason = "";
  s.since_unix = 1795339500;
  s.maintenance = MaintenanceRecord{"bind upgrade", 1795339500};
  s.routes = {{"192.0.2.53/32", "withdraw"}, {"2001:db8::53/128", "withdraw"}};
  p.services.push_back(s);
  p.verify = VerifyRecord{false, "resolver", "local-zone", "connection_refused", 1795339590};
  p.floor_hold = {"192.0.2.53/32"};
  p.services_total = 1;
  return p;
}

json presence_json() {
  return json::parse(render(sample_presence()));
}

std::string error_of(const json& j) {
  auto p = parse_presence(j.dump(), "node-1");
  CHECK_FALSE(p.value);
  return p.error;
}

}  // namespace

TEST_CASE("node names: what fits in a key without escaping") {
  for (const char* ok : {"node-1", "resolver1.example.net", "A_b-9", "x"}) {
    CHECK(valid_node_name(ok));
  }
  for (const char* bad : {"", ".", "..", "a/b", "a b", "node\n", "ä", "a:b"}) {
    CHECK_FALSE(valid_node_name(bad));
  }
  CHECK(valid_node_name(std::string(63, 'a')));
  CHECK_FALSE(valid_node_name(std::string(64, 'a')));
}

TEST_CASE("keys under the prefix, and what a key is") {
  CHECK(normalized_prefix("/acs/dns-eu//") == "/acs/dns-eu");
  CHECK(member_key("/acs/dns-eu/", "node-1") == "/acs/dns-eu/members/node-1");
  CHECK(presence_key("/acs/dns-eu", "node-1") == "/acs/dns-eu/presence/node-1");
  CHECK(budget_key("/acs/dns-eu") == "/acs/dns-eu/budget");
  CHECK(floor_key("/acs/dns-eu", "2001:db8::53/128") == "/acs/dns-eu/floor/2001:db8::53_128");
  CHECK(parse_key("/acs/dns-eu", floor_key("/acs/dns-eu", "192.0.2.53/32")).kind == KeyKind::floor);
  CHECK(members_dir("/p") == "/p/members/");
  CHECK(presence_dir("/p") == "/p/presence/");
  CHECK(range_end("/p/") == "/p0");
  CHECK(range_end(std::string("a\xff", 2)) == "b");
  CHECK(range_end(std::string("\xff", 1)) == std::string(1, '\0'));

  auto k = parse_key("/p", "/p/members/node-1");
  CHECK(k.kind == KeyKind::member);
  CHECK(k.node == "node-1");
  k = parse_key("/p/", "/p/presence/node-2");
  CHECK(k.kind == KeyKind::presence);
  CHECK(k.node == "node-2");
  CHECK(parse_key("/p", "/p/budget").kind == KeyKind::budget);
  CHECK(parse_key("/p", "/p/floor/192.0.2.53_32").kind == KeyKind::floor);
  CHECK(parse_key("/p", "/p/members/bad name").kind == KeyKind::other);
  CHECK(parse_key("/p", "/p/members/").kind == KeyKind::other);
  CHECK(parse_key("/p", "/p/budget2").kind == KeyKind::other);
  CHECK(parse_key("/p", "/q/members/node-1").kind == KeyKind::other);
  CHECK(parse_key("/p", "/p2/members/node-1").kind == KeyKind::other);
  CHECK(parse_key("/p", "/p/members/a/b").kind == KeyKind::other);
}

TEST_CASE("records render with a version and read back equal") {
  MemberRecord m{"node-1", 1795339536.5, "0.1.0"};
  auto mj = json::parse(render(m));
  CHECK(mj["v"] == 1);
  auto pm = parse_member(render(m), "node-1");
  REQUIRE(pm.value);
  CHECK(*pm.value == m);
  CHECK(pm.error.empty());

  auto p = sample_presence();
  auto pp = parse_presence(render(p), "node-1");
  REQUIRE(pp.value);
  CHECK(*pp.value == p);

  BudgetRecord b{{{"node-1", "bind upgrade", 1795339500}, {"node-2", "", 1795339501}}};
  auto pb = parse_budget(render(b));
  REQUIRE(pb.value);
  CHECK(*pb.value == b);
  CHECK(pb.value->held_by("node-2"));
  CHECK_FALSE(pb.value->held_by("node-3"));

  BudgetRecord empty;
  REQUIRE(parse_budget(render(empty)).value);
  CHECK(parse_budget(render(empty)).value->slots.empty());
}

TEST_CASE("rendering cuts to the bounds a reader applies, so a node can always read its own") {
  auto p = sample_presence();
  p.services[0].reason = std::string(5000, 'x');
  p.services[0].maintenance->reason = std::string(3000, 'y') + "\xff";  // and not UTF-8
  p.services[0].name = std::string(300, 'n');
  for (int i = 0; i < 200; ++i) p.services.push_back(p.services[0]);
  for (int i = 0; i < 100; ++i) p.services[0].routes.push_back({"192.0.2.1/32", "announce"});
  auto text = render(p);
  CHECK(text.size() <= kMaxRecordBytes);
  auto back = parse_presence(text, "node-1");
  REQUIRE(back.value);
  CHECK(back.value->services.size() == kMaxServices);
  CHECK(back.value->services[0].reason.size() == kMaxTextBytes);
  CHECK(back.value->services[0].name.size() == kMaxLabelBytes);
  CHECK(back.value->services[0].routes.size() == kMaxRoutes);

  // The largest record every other bound allows still fits the byte bound.
  PresenceRecord worst;
  worst.node = std::string(kMaxNameBytes, 'n');
  worst.version = std::string(kMaxLabelBytes, 'v');
  worst.verify = VerifyRecord{false, std::string(kMaxLabelBytes, 's'),
                              std::string(kMaxLabelBytes, 'c'), std::string(kMaxTextBytes, 'r'), 1};
  worst.floor_hold.assign(kMaxFloorHolds, std::string(kMaxLabelBytes, 'p'));
  ServiceRecord big;
  big.name = big.state = big.desired = std::string(kMaxLabelBytes, 'x');
  big.reason = std::string(kMaxTextBytes, '\\');  // escaped: twice the bytes in JSON
  big.maintenance = MaintenanceRecord{std::string(kMaxTextBytes, '"'), kMaxUnixTime};
  big.since_unix = kMaxUnixTime;
  big.routes.assign(kMaxRoutes,
                    {std::string(kMaxLabelBytes, 'p'), std::string(kMaxLabelBytes, 'd')});
  worst.services.assign(kMaxServices, big);
  auto worst_text = render(worst);
  INFO(worst_text.size());
  CHECK(worst_text.size() <= kMaxRecordBytes);
  CHECK(parse_presence(worst_text, worst.node).value);

  BudgetRecord b;
  b.slots.push_back({"node-1", std::string(2000, 'r') + "\xc3", 1});
  auto bb = parse_budget(render(b));
  REQUIRE(bb.value);
  CHECK(bb.value->slots[0].reason.size() <= kMaxTextBytes);
}

TEST_CASE("hostile bytes: skipped with a reason, never a throw") {
  struct Case {
    std::string bytes;
    std::string error;
  };
  std::vector<Case> cases = {
      {"", "not JSON"},
      {"{", "not JSON"},
      {"null", "not a JSON object"},
      {"[1,2]", "not a JSON object"},
      {"\"x\"", "not a JSON object"},
      {"{\"node\": \"\xff\"}", "not UTF-8"},
      {"{\"v\": 1, \"node\": \"\xed\xa0\x80\"}", "not UTF-8"},  // a surrogate
      {std::string(kMaxRecordBytes + 1, ' '), "1048577 bytes, more than 1048576"},
      {std::string(100, '[') + std::string(100, ']'), "nested deeper than 8"},
      {std::string(2000000, '['), "2000000 bytes, more than 1048576"},
      {std::string(200000, '['), "nested deeper than 8"},
      {"{}", "no version (\"v\")"},
      {"{\"v\": \"1\"}", "v: not an integer"},
      {"{\"v\": 1.5}", "v: not an integer"},
      {"{\"v\": 2, \"node\": \"node-1\"}", "unknown version 2 (this node reads 1; upgrade it)"},
      {"{\"v\": 0}", "unknown version 0 (this node reads 1; upgrade it)"},
      {"{\"v\": -1}", "unknown version -1 (this node reads 1; upgrade it)"},
  };
  for (const auto& c : cases) {
    INFO(c.bytes.substr(0, 40));
    auto m = parse_member(c.bytes, "node-1");
    CHECK_FALSE(m.value);
    CHECK(m.error == c.error);
    auto p = parse_presence(c.bytes, "node-1");
    CHECK_FALSE(p.value);
    CHECK(p.error == c.error);
    auto b = parse_budget(c.bytes);
    CHECK_FALSE(b.value);
    CHECK(b.error == c.error);
  }
  // Brackets inside strings do not count as nesting.
  auto deep_text = json{{"v", 1}, {"slots", json::array()}, {"x", std::string(50, '[')}}.dump();
  CHECK(parse_budget(deep_text).value);
}

TEST_CASE("member record: wrong types and a key of another node") {
  auto base = json::parse(render(MemberRecord{"node-1", 1795339536, "0.1.0"}));
  auto err = [](const json& j) { return parse_member(j.dump(), "node-1").error; };
  auto j = base;
  j.erase("node");
  CHECK(err(j) == "node: missing");
  j = base;
  j["node"] = 7;
  CHECK(err(j) == "node: not a string");
  j = base;
  j["node"] = "bad name";
  CHECK(err(j) == "node: not a node name");
  j = base;
  j["joined_unix"] = "yesterday";
  CHECK(err(j) == "joined_unix: not a number");
  j = base;
  j["joined_unix"] = -5;
  CHECK(err(j) == "joined_unix: not a time");
  j = base;
  j["joined_unix"] = 1e300;
  CHECK(err(j) == "joined_unix: not a time");
  j = base;
  j["version"] = std::string(kMaxLabelBytes + 1, 'v');
  CHECK(err(j) == "version: 65 bytes, more than 64");
  CHECK(parse_member(base.dump(), "node-2").error ==
        "record of node \"node-1\" under the key of \"node-2\"");
  j = base;
  j["added_by_a_newer_node"] = {{"x", 1}};
  CHECK(parse_member(j.dump(), "node-1").value);  // unknown keys are ignored
}

TEST_CASE("presence record: every field's type and bound") {
  auto j = presence_json();
  j["services"] = "many";
  CHECK(error_of(j) == "services: not a list");

  j = presence_json();
  j.erase("services");
  CHECK(error_of(j) == "services: missing");

  j = presence_json();
  j["services"] = json::array();
  for (std::size_t i = 0; i <= kMaxServices; ++i)
    j["services"].push_back(presence_json()["services"][0]);
  CHECK(error_of(j) == "services: 129 entries, more than 128");

  j = presence_json();
  j["services"][0] = 3;
  CHECK(error_of(j) == "services[0]: not an object");

  j = presence_json();
  j["services"][0]["state"] = nullptr;
  CHECK(error_of(j) == "services[0].state: not a string");

  j = presence_json();
  j["services"][0].erase("since_unix");
  CHECK(error_of(j) == "services[0].since_unix: missing");

  j = presence_json();
  j["services"][0]["reason"] = std::string(kMaxTextBytes + 1, 'r');
  CHECK(error_of(j) == "services[0].reason: 257 bytes, more than 256");

  j = presence_json();
  j["services"][0]["maintenance"] = "yes";
  CHECK(error_of(j) == "services[0].maintenance: not an object");

  j = presence_json();
  j["services"][0]["maintenance"].erase("since_unix");
  CHECK(error_of(j) == "services[0].maintenance.since_unix: missing");

  j = presence_json();
  j["services"][0]["routes"][1] = "192.0.2.1/32";
  CHECK(error_of(j) == "services[0].routes[1]: not an object");

  j = presence_json();
  j["services"][0]["routes"][1]["desired"] = false;
  CHECK(error_of(j) == "services[0].routes[1].desired: not a string");

  j = presence_json();
  j["verify"]["ok"] = "no";
  CHECK(error_of(j) == "verify.ok: not true or false");

  j = presence_json();
  j["verify"] = 1;
  CHECK(error_of(j) == "verify: not an object");

  j = presence_json();
  j["floor_hold"] = {1};
  CHECK(error_of(j) == "floor_hold[0]: not a prefix");

  j = presence_json();
  j["updated_unix"] = nullptr;
  CHECK(error_of(j) == "updated_unix: not a number");

  // Optional parts may be null or absent.
  j = presence_json();
  j["verify"] = nullptr;
  j["services"][0]["maintenance"] = nullptr;
  j["services"][0].erase("routes");
  j["services"][0].erase("reason");
  j.erase("floor_hold");
  auto p = parse_presence(j.dump(), "node-1");
  REQUIRE(p.value);
  CHECK_FALSE(p.value->verify);
  CHECK_FALSE(p.value->services[0].maintenance);
  CHECK(p.value->services[0].routes.empty());
  CHECK(p.value->floor_hold.empty());
}

TEST_CASE("budget record: slots bounded, one per node, typed") {
  auto base = json::parse(render(BudgetRecord{{{"node-1", "x", 1795339500}}}));
  auto err = [](const json& j) { return parse_budget(j.dump()).error; };
  auto j = base;
  j.erase("slots");
  CHECK(err(j) == "slots: missing");
  j = base;
  j["slots"].push_back(base["slots"][0]);
  CHECK(err(j) == "slots[1].node: \"node-1\" holds two slots");
  j = base;
  j["slots"][0]["node"] = "../../etc";
  CHECK(err(j) == "slots[0].node: not a node name");
  j = base;
  j["slots"][0]["since_unix"] = true;
  CHECK(err(j) == "slots[0].since_unix: not a number");
  j = base;
  j["slots"] = json::array();
  for (std::size_t i = 0; i <= kMaxSlots; ++i) {
    j["slots"].push_back({{"node", "n" + std::to_string(i)}, {"since_unix", 1}});
  }
  CHECK(err(j) == "slots: 257 entries, more than 256");
}

TEST_CASE("random bytes and truncations of a valid record never throw") {
  auto text = render(sample_presence());
  for (std::size_t cut = 0; cut < text.size(); cut += 7) {
    auto p = parse_presence(text.substr(0, cut), "node-1");
    CHECK_FALSE(p.value);
    CHECK_FALSE(p.error.empty());
  }
  std::uint32_t seed = 12345;
  for (int round = 0; round < 2000; ++round) {
    auto mutated = text;
    for (int k = 0; k < 4; ++k) {
      seed = seed * 1664525u + 1013904223u;
      mutated[seed % mutated.size()] = static_cast<char>(seed >> 24);
    }
    auto p = parse_presence(mutated, "node-1");
    CHECK(p.value.has_value() == p.error.empty());
    auto b = parse_budget(mutated);
    CHECK(b.value.has_value() == b.error.empty());
  }
}

TEST_CASE("a node with more services than a record holds writes those out of service first") {
  PresenceRecord p;
  p.node = "node-1";
  for (std::size_t i = 0; i < kMaxServices + 50; ++i) {
    ServiceRecord s;
    s.name = "svc-" + std::to_string(i);
    s.state = "up";
    s.desired = "announce";
    p.services.push_back(s);
  }
  p.services.back().state = "down";
  p.services.back().desired = "withdraw";
  p.services[kMaxServices + 10].maintenance = MaintenanceRecord{"upgrade", 1};
  auto back = parse_presence(render(p), "node-1");
  REQUIRE(back.value);
  CHECK(back.value->services.size() == kMaxServices);
  CHECK(back.value->services_total == kMaxServices + 50);
  CHECK(back.value->services[0].name == "svc-138");
  CHECK(back.value->services[1].name == "svc-177");
  CHECK(back.value->services[2].name == "svc-0");

  auto j = json::parse(render(p));
  j["services_total"] = 3;
  CHECK(parse_presence(j.dump(), "node-1").error ==
        "services_total: not a count of at least the services listed");
  j["services_total"] = -1;
  CHECK_FALSE(parse_presence(j.dump(), "node-1").value);
  j.erase("services_total");
  CHECK(parse_presence(j.dump(), "node-1").value->services_total == kMaxServices);
}

TEST_CASE("rendering replaces control characters, so nothing is escaped to six bytes") {
  auto p = sample_presence();
  p.services[0].reason =
      "a\x01"
      "b\nc\x7f";
  auto back = parse_presence(render(p), "node-1");
  REQUIRE(back.value);
  CHECK(back.value->services[0].reason == "a?b?c?");
}
