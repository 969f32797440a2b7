// The fleet floor (sidecar/fleet/fleet_floor.hpp) on any bytes under the floor key: the record
// parses or is refused with a reason, a parsed record renders and parses back the same, and the
// decision keeps its promises whatever the record says: a hard withdraw always withdraws, a hold
// never drops this node from the record it writes, a withdraw never keeps it, only listed nodes
// are counted, and what it writes is a record every node can read back.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.hpp"
#include "sidecar/fleet/fleet_floor.hpp"

namespace {

const char* kPrefix = "/acs/fuzz";
const char* kRoute = "192.0.2.53/32";

// Three present nodes announcing the prefix, one gone: the view every input is judged against.
fleet::FleetView fleet_view() {
  std::vector<fleet::RawKv> kvs;
  for (const char* node : {"node-1", "node-2", "node-3"}) {
    fleet::PresenceRecord p;
    p.node = node;
    p.version = "0.1.0";
    p.updated_unix = 1795339600;
    fleet::ServiceRecord s;
    s.name = "resolver";
    s.state = "up";
    s.desired = "announce";
    s.since_unix = 1795339600;
    s.routes = {{kRoute, "announce"}};
    p.services = {s};
    kvs.push_back({fleet::presence_key(kPrefix, node), fleet::render(p), 5});
  }
  kvs.push_back({fleet::member_key(kPrefix, "node-4"),
                 fleet::render(fleet::MemberRecord{"node-4", 1795339000, "0.1.0"}), 3});
  return fleet::fleet_view(fleet::read_records(kPrefix, kvs));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fleet::FleetView view = fleet_view();
  std::string bytes(reinterpret_cast<const char*>(data), size);
  auto parsed = fleet::parse_floor(bytes);
  FUZZ_REQUIRE(parsed.value.has_value() != !parsed.error.empty(), "a value and an error");
  if (parsed.value) {
    auto again = fleet::parse_floor(fleet::render(*parsed.value));
    FUZZ_REQUIRE(again.value && *again.value == *parsed.value, "a record that does not round-trip");
  }
  const fleet::RawKv kv{fleet::floor_key(kPrefix, kRoute), bytes, 7};
  for (int n = 0; n <= 3; ++n) {
    for (auto wish : {fleet::FloorWish::announce, fleet::FloorWish::soft_withdraw,
                      fleet::FloorWish::hard_withdraw, fleet::FloorWish::none}) {
      auto d = fleet::decide_floor(view, kv, {"node-1", kRoute, wish, n});
      using Kind = fleet::FloorDecision::Kind;
      if (wish == fleet::FloorWish::hard_withdraw || wish == fleet::FloorWish::none) {
        FUZZ_REQUIRE(d.kind == Kind::withdraw, "a hard or operator withdraw held");
      }
      if (wish == fleet::FloorWish::announce) FUZZ_REQUIRE(d.kind == Kind::announce, "announce");
      FUZZ_REQUIRE(n > 0 || !d.write, "a write with the floor off");
      FUZZ_REQUIRE(!d.write || d.compare_revision == 7, "a txn that does not compare what it read");
      FUZZ_REQUIRE(std::find(d.counted.begin(), d.counted.end(), "node-1") == d.counted.end(),
                   "this node counted for itself");
      FUZZ_REQUIRE(std::find(d.counted.begin(), d.counted.end(), "node-4") == d.counted.end(),
                   "a gone node counted");
      if (parsed.value) {
        for (const auto& c : d.counted) {
          FUZZ_REQUIRE(parsed.value->has(c), "a node counted that the record does not list");
        }
      } else {
        FUZZ_REQUIRE(d.counted.empty(), "a node counted from an unreadable record");
      }
      if (d.kind == Kind::withdraw && wish == fleet::FloorWish::soft_withdraw) {
        FUZZ_REQUIRE(d.counted.size() >= static_cast<std::size_t>(n),
                     "a soft withdraw below the floor");
      }
      if (d.write) {
        FUZZ_REQUIRE(d.record.has("node-1") == (d.kind != Kind::withdraw),
                     "the written record lists this node wrongly");
        auto back = fleet::parse_floor(fleet::render(d.record));
        FUZZ_REQUIRE(back.value && *back.value == d.record, "a written record not readable");
      }
    }
  }
  return 0;
}
