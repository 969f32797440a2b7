#pragma once
// What the previous instance of the sidecar left announced, read back from its status file.
//
// Why the status file and not ExaBGP's `show adj-rib out`: the file is ours, its format is the
// same whatever ExaBGP release runs (4.2 and 5.0 answer `show adj-rib out` differently, and
// only when a session is up), it is on local disk the moment we start (no round trip before the
// first decision), and it names the service that owned each route. Its limit: a previous
// instance that never wrote it (or wrote it elsewhere) leaves nothing to clean up here; its
// routes then stay until ExaBGP restarts, as with ExaBGP 4.2 today.
//
// Pure: text in, validated routes out. Nothing in the file is trusted as a command: each route
// is rebuilt from fields that pass the same parsers as the configuration, must be a route a
// configuration could have owned (no default route), and everything is bounded, so a tampered
// file can at worst withdraw a few well-formed routes with short lines.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "exabgp-bridge/route.hpp"
#include "sidecar/config/config.hpp"
#include "sidecar/status/status_model.hpp"

namespace sidecar {

// Bounds on what is read back; beyond them entries are dropped (and counted).
inline constexpr std::size_t kMaxPreviousRoutes = 1024;            // far above any real node
inline constexpr std::size_t kMaxPreviousNeighbors = 64;           // per route
inline constexpr std::size_t kMaxPreviousCommandBytes = 4096;      // one withdraw line
inline constexpr std::size_t kMaxPreviousTotalBytes = 256 * 1024;  // all withdraw lines

// The BGP neighbors the previous instance last saw (exabgp.neighbors). ExaBGP tells a child about
// a session only when it changes, so a restarted sidecar would otherwise show no neighbor (and
// no neighbor_up series) until the next change. Peers must be addresses, states short lowercase
// words; at most 256 entries.
std::vector<NeighborView> neighbors_in_status(std::string_view status_text);

struct PreviousRoutes {
  std::vector<bridge::Route> routes;  // distinct by route_key, in file order
  std::size_t dropped = 0;            // entries refused or beyond the bounds
  std::string first_problem;          // why the first one was dropped (printable), or the file
};

// Routes the previous instance may have left announced: every route of its status file but those
// withdrawn and confirmed so (announce*, a withdraw not yet acknowledged, and "none": a service
// that had not decided yet, whose route an instance before it may have announced). Withdrawing a
// route ExaBGP does not hold costs one line and is answered "done". Malformed or oversized input
// yields what could be read (possibly nothing) and says why in `first_problem`.
PreviousRoutes announced_in_status(std::string_view status_text);

// Of those, what this configuration leaves to nobody, to withdraw: a previous route is kept when
// configured routes of the same prefix cover every neighbor it named (a route with no neighbors
// covers all; one with no neighbors is covered only by another with none), the owners' own
// decisions then replace it; otherwise it is withdrawn at the neighbors left uncovered (all of
// them for a route with none).
std::vector<bridge::Route> stale_routes(const std::vector<bridge::Route>& previous,
                                        const Config& config);

// Both parts: `stale` as above, and `kept`, what stays announced by the previous instance under
// cover of this configuration (a scoped route reduced to its covered neighbors). The daemon keeps
// `kept` as inherited: a reload that drops the cover before the owner decided withdraws it then.
struct PreviousSplit {
  std::vector<bridge::Route> stale, kept;
};
PreviousSplit split_previous(const std::vector<bridge::Route>& previous, const Config& config);

}  // namespace sidecar
