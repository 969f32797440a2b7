#pragma once
// From a service state to the desired ExaBGP command per route. Pure.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "sidecar/config/config.hpp"
#include "sidecar/lib/enum_names.hpp"
#include "sidecar/policy/state_machine.hpp"

namespace sidecar {

enum class Desired { none, announce, announce_down, withdraw, announce_degraded };
inline constexpr text::EnumName<Desired> kDesiredNames[] = {
    {Desired::none, "none"},
    {Desired::announce, "announce"},
    {Desired::announce_down, "announce-down"},
    {Desired::withdraw, "withdraw"},
    {Desired::announce_degraded, "announce-degraded"}};
std::string_view to_string(Desired desired);

struct RouteCommand {
  std::string key;   // bridge::route_key
  std::string line;  // the ExaBGP command
  Desired desired = Desired::none;
};

// UP and FALLING announce with the route's attributes; DEGRADED announces with when_degraded
// (announce-degraded); DISABLED applies when_disabled; RISING and
// DOWN apply when_down; INIT (no decision yet) sends nothing (desired none).
//
// A route with a drain (RouteConfig::drain > 0) in DISABLED announces when_disabled's attributes
// (announce-down) while `draining_for`, the time since its drain began, is shorter than its
// drain, and is withdrawn otherwise: after the drain, and when no drain began (draining_for
// empty) because the route was not announced as maintenance began.
Desired desired_for(ServiceState state, const RouteConfig& route,
                    std::optional<std::chrono::milliseconds> draining_for = std::nullopt);
std::vector<RouteCommand> commands_for(
    ServiceState state, const ServiceConfig& service,
    std::optional<std::chrono::milliseconds> draining_for = std::nullopt);

// Whether entering DISABLED from `from` begins a drain: only from a state whose routes were
// announced (UP, FALLING, DEGRADED). A node already withdrawn (DOWN, RISING, INIT) is never
// announced again to be drained.
bool drain_begins(ServiceState from);
// While a drain runs: the time to the next route's drain end (to re-apply the routes then) and
// to the last one's (the status file's drain_until_unix). Empty once every drain has ended.
std::optional<std::chrono::milliseconds> next_drain_end(const ServiceConfig& service,
                                                        std::chrono::milliseconds draining_for);
std::optional<std::chrono::milliseconds> last_drain_end(const ServiceConfig& service,
                                                        std::chrono::milliseconds draining_for);

// The state whose commands go out. A restart of the sidecar alone (an upgrade, a crash; ExaBGP
// keeps running and keeps the routes the previous instance announced) must not withdraw a
// healthy node: with `hitless`, RISING straight from INIT sends nothing, like INIT, so whatever
// ExaBGP holds stays until the service is proven UP (then announced as configured) or fails a
// round (then DOWN withdraws at once). RISING after DOWN or maintenance still applies when_down.
ServiceState routed_state(const Machine& machine, bool hitless);

}  // namespace sidecar
