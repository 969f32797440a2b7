#pragma once
// The fleet floor (fleet.min_announcing = N), pure: may this node withdraw a prefix now, or must
// it keep announcing it (with when_degraded) because too few other nodes do?
//
// Why: a check judged wrongly on every node is itself a shared cause. When a soft failure (a
// timeout, a SERVFAIL, a wrong answer, a slow reply) hits every node at once, each one alone
// would withdraw and the anycast address would go dark; with the floor the last N announcements
// stay up, degraded, as a load balancer's panic threshold sends traffic to all hosts when too
// few look healthy. A hard cause (connection_refused: nothing listens, no client can be served)
// always withdraws.
//
// Race safety: per prefix, one record (FloorRecord under P/floor/<prefix>) lists the nodes that
// announce it. A node leaves it (withdraws) only by a txn comparing the record's mod_revision
// with the one its decision was made from, and only if at least N other nodes stay counted after
// its removal. Of several nodes failing in the same instant, every one decides from a snapshot;
// the first txn wins, the others' compares fail, they read again, now see the first one gone and
// count again: the record can never lose its N-th counted announcer to a soft cause.
// Counted: a node in the record whose presence lives (not gone, not unreadable) and says it
// announces the prefix. A dead node's entry stays in the record but its presence expires with
// its lease, so it stops counting within the TTL; a node that withdrew for a hard cause and
// could not remove itself says so in its presence. Both filters can only lower the count, the
// safe direction (more holding, never fewer paths than N).
// A node announces itself into the record after it announces (a node that comes back adds
// itself; until its txn lands the others count it out: again the safe direction).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sidecar/fleet/fleet_policy.hpp"
#include "sidecar/policy/route_policy.hpp"

namespace fleet {

enum class FloorWish {
  announce,       // the route is announced (up, degraded, falling; held: as announce)
  soft_withdraw,  // the service would withdraw for a failure other than connection_refused
  hard_withdraw,  // connection_refused only: withdraws, floor or not
  none,           // nothing to say (maintenance, disabled, no decision yet): leaves the record
};

struct FloorRequest {
  std::string node;
  std::string route_prefix;  // "192.0.2.53/32"
  FloorWish wish = FloorWish::announce;
  int min_announcing = 0;
};

struct FloorDecision {
  enum class Kind { announce, withdraw, hold } kind = Kind::announce;
  bool write = false;                 // put `record` under floor_key, comparing the revision
  FloorRecord record;                 // write: the new record
  std::int64_t compare_revision = 0;  // the floor key's mod_revision decided from; 0: absent
  std::vector<std::string> counted;   // the other nodes counted as announcing
  std::string why;                    // one line for the log and `status`
};

// What one route of a service says to the floor: a withdraw while the service is down or rising
// (a failure, or not yet proven back) is soft unless the last round failed with
// connection_refused only (`hard`); maintenance and disabled are the operator's, not the floor's
// (none); no decision yet (init) is none; every announcement (up, degraded, falling, when_down
// announce-down) is announce.
FloorWish floor_wish(sidecar::ServiceState state, sidecar::Desired desired, bool maintenance,
                     bool hard);

// `floor`: the floor key's value and mod_revision as read with `view` (nullopt: absent).
FloorDecision decide_floor(const FleetView& view, const std::optional<RawKv>& floor,
                           const FloorRequest& request);

}  // namespace fleet
