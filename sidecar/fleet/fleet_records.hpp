#pragma once
// The fleet's records in etcd as plain values: the key layout under the fleet's prefix (its
// functions in fleet_keys.hpp), and each record's JSON, rendered and parsed. Pure: no I/O, no
// Asio; the etcd client only moves the bytes.
//
// Keys under the prefix P (configuration "fleet.prefix", trailing '/' ignored):
//   P/members/<node>   MemberRecord, no lease. Written once when the node first joins; it
//                      outlives the node, so a node that died is still known (and counted out of
//                      service) until `fleet forget` deletes it.
//   P/presence/<node>  PresenceRecord, under the node's lease (a few seconds, kept alive). Its
//                      services' state; rewritten when that changes. Gone with the lease: the node
//                      is then "gone".
//   P/budget           BudgetRecord, no lease: every maintenance slot held in the fleet. One key
//                      on purpose: taking a slot is one etcd txn comparing this key's mod_revision
//                      with the one the decision was made from (0 when absent), so of two nodes
//                      deciding from the same snapshot only one write can win; the loser re-reads
//                      and decides again (and sees the winner's slot). A slot has no lease: a node
//                      that dies holding it keeps it until `fleet release`.
//   P/floor/<route>    FloorRecord, no lease: the nodes announcing one prefix under the fleet
//                      floor (min_announcing). Changed only by a txn comparing its mod_revision
//                      (fleet_floor.hpp), so that of two nodes leaving it at once the second
//                      decides again from what the first wrote: per prefix, as the budget is
//                      per fleet. Entries of dead nodes are not removed; they count only while
//                      the node's presence lives and says it announces the prefix.
// Node names are 1-63 characters of [A-Za-z0-9._-] (a host name fits), so a key names its node
// without escaping.
//
// Every record is a JSON object with "v": 1. A reader ignores keys it does not know (a newer
// node may add some without breaking older ones); "v" is raised only for a change older readers
// must not misread, and a record of an unknown version is skipped. Parsing treats the bytes as
// hostile (anyone who can write under the prefix controls them): bounded size, depth, counts and
// string lengths, UTF-8 only, exact types; a bad record yields an error text (the caller logs
// one line and skips it), never an exception.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/fleet/fleet_keys.hpp"

namespace fleet {

inline constexpr int kRecordVersion = 1;

// Bounds on what a record may hold. A record beyond them is skipped, not cut: a half-read record
// would misstate a node. The byte bound holds the largest record the other bounds allow (a unit
// test renders it) and stays below etcd's default request limit (1.5 MiB); a real presence is
// about 1 KB.
inline constexpr std::size_t kMaxRecordBytes = 1024 * 1024;
inline constexpr std::size_t kMaxDepth = 8;             // nesting of arrays and objects
inline constexpr std::size_t kMaxServices = 128;        // per node (see PresenceRecord)
inline constexpr std::size_t kMaxRoutes = 16;           // per service
inline constexpr std::size_t kMaxSlots = 256;           // in the budget
inline constexpr std::size_t kMaxFloorHolds = 256;      // per node
inline constexpr std::size_t kMaxNodesPerFloor = 1024;  // announcers of one prefix
inline constexpr std::size_t kMaxLabelBytes = 64;       // service, check, state, prefix, version
inline constexpr std::size_t kMaxTextBytes = 256;       // reasons
inline constexpr double kMaxUnixTime = 1e11;            // year 5138: beyond is garbage

// --- records ---
struct MemberRecord {
  std::string node;
  double joined_unix = 0;
  std::string version;  // the sidecar's version when it joined
  bool operator==(const MemberRecord&) const = default;
};

struct MaintenanceRecord {
  std::string reason;
  double since_unix = 0;
  bool operator==(const MaintenanceRecord&) const = default;
};

struct RouteRecord {
  std::string prefix;
  std::string desired;  // announce | announce-degraded | announce-down | withdraw
  bool operator==(const RouteRecord&) const = default;
};

struct ServiceRecord {
  std::string name;
  std::string state;    // the status file's state: init | rising | up | falling | down | ...
  std::string desired;  // the status file's desired
  std::string reason;   // failing checks ("local-zone connection_refused"), "" when all pass
  double since_unix = 0;
  std::optional<MaintenanceRecord> maintenance;
  std::vector<RouteRecord> routes;
  bool operator==(const ServiceRecord&) const = default;
};

// A service takes its node out of service when it is in maintenance (or disabled), down, or not
// announcing while it starts or rises (desired "withdraw"). Up, degraded and falling services
// announce; a service without routes is judged by its state alone.
bool out_of_service(const ServiceRecord& service);

// The last `maintenance off --verify` of the node, as the status file's fleet.verify.
struct VerifyRecord {
  bool ok = false;
  std::string service;
  std::string check;
  std::string reason;
  double at_unix = 0;
  bool operator==(const VerifyRecord&) const = default;
};

// A node's services as the others see them. A node with more than kMaxServices services writes
// those out of service first (in maintenance, down, not announcing), so that its status reads
// right as long as fewer than kMaxServices are out; services_total says how many it has.
struct PresenceRecord {
  std::string node;
  std::string version;  // the sidecar's version
  double updated_unix = 0;
  std::vector<ServiceRecord> services;
  std::size_t services_total = 0;  // parsed: at least services.size(); rendered: services.size()
  std::optional<VerifyRecord> verify;
  std::vector<std::string> floor_hold;  // prefixes the fleet floor keeps announced
  bool operator==(const PresenceRecord&) const = default;
};

struct Slot {
  std::string node;
  std::string reason;
  double since_unix = 0;
  bool operator==(const Slot&) const = default;
};

// The nodes that announce one prefix, as they wrote themselves in (sorted, unique).
struct FloorRecord {
  std::string prefix;  // the route's prefix, "192.0.2.53/32"
  std::vector<std::string> announcers;
  bool operator==(const FloorRecord&) const = default;
  bool has(std::string_view node) const;
};

struct BudgetRecord {
  std::vector<Slot> slots;  // at most one per node, in the order taken
  bool operator==(const BudgetRecord&) const = default;
  const Slot* held_by(std::string_view node) const;
};

// Rendering: compact JSON with "v", strings made valid UTF-8 without control characters ('?')
// and cut to the bounds above, so that what one node writes every other node can read back.
std::string render(const MemberRecord& record);
std::string render(const PresenceRecord& record);
std::string render(const BudgetRecord& record);
std::string render(const FloorRecord& record);

// Parsing: the value, or why it was skipped ("not UTF-8", "1048576 bytes, more than 65536",
// "unknown version 2 (this node reads 1)", "services[3].since_unix: not a number", ...). The
// node of a member or presence record must be the one its key names.
template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string error;  // set exactly when value is not
};
Parsed<MemberRecord> parse_member(std::string_view bytes, std::string_view key_node);
Parsed<PresenceRecord> parse_presence(std::string_view bytes, std::string_view key_node);
Parsed<BudgetRecord> parse_budget(std::string_view bytes);
Parsed<FloorRecord> parse_floor(std::string_view bytes);

}  // namespace fleet
