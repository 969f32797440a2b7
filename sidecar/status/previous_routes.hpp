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
// is rebuilt from fields that pass the same parsers as the configuration, so a tampered file can
// at worst withdraw a well-formed route.
#include <string_view>
#include <vector>

#include "exabgp-bridge/route.hpp"
#include "sidecar/config/config.hpp"
#include "sidecar/status/status_model.hpp"

namespace sidecar {

// Routes whose last desired state in the status file was announce, announce-down or
// announce-degraded. Malformed or oversized input yields what could be read (possibly nothing).
std::vector<bridge::Route> announced_in_status(std::string_view status_text);

// The BGP neighbors the previous instance last saw (exabgp.neighbors). ExaBGP tells a child about
// a session only when it changes, so a restarted sidecar would otherwise show no neighbor (and
// no neighbor_up series) until the next change. Peers must be addresses, states short lowercase
// words; at most 256 entries.
std::vector<NeighborView> neighbors_in_status(std::string_view status_text);

// Of those, the ones that no route of `config` owns (same route_key): to withdraw at start.
std::vector<bridge::Route> stale_routes(const std::vector<bridge::Route>& previous,
                                        const Config& config);

}  // namespace sidecar
