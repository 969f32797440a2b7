#include "sidecar/policy/route_policy.hpp"

#include <algorithm>

namespace sidecar {

std::string_view to_string(Desired desired) {
  return text::name_of(kDesiredNames, desired, "none");
}

namespace {

Desired from_action(const RouteAction& action) {
  return std::holds_alternative<Withdraw>(action) ? Desired::withdraw : Desired::announce_down;
}

const RouteAction* action_for(ServiceState state, const RouteConfig& route) {
  switch (state) {
    case ServiceState::disabled:
      return &route.when_disabled;
    case ServiceState::rising:
    case ServiceState::down:
      return &route.when_down;
    default:
      return nullptr;
  }
}

}  // namespace

Desired desired_for(ServiceState state, const RouteConfig& route,
                    std::optional<std::chrono::milliseconds> draining_for) {
  if (state == ServiceState::init) return Desired::none;
  if (state == ServiceState::up || state == ServiceState::falling) return Desired::announce;
  if (state == ServiceState::degraded) return Desired::announce_degraded;
  if (state == ServiceState::disabled && route.drain.count() > 0 &&
      std::holds_alternative<bridge::Attributes>(route.when_disabled)) {
    return draining_for && *draining_for < route.drain ? Desired::announce_down : Desired::withdraw;
  }
  return from_action(*action_for(state, route));
}

bool drain_begins(ServiceState from) {
  return from == ServiceState::up || from == ServiceState::falling ||
         from == ServiceState::degraded;
}

namespace {

// The routes' drain ends still ahead, reduced by pick (min or max).
template <typename Pick>
std::optional<std::chrono::milliseconds> drain_end(const ServiceConfig& service,
                                                   std::chrono::milliseconds draining_for,
                                                   Pick pick) {
  std::optional<std::chrono::milliseconds> out;
  for (const auto& r : service.routes) {
    if (r.drain <= draining_for) continue;
    auto left = r.drain - draining_for;
    out = out ? pick(*out, left) : left;
  }
  return out;
}

}  // namespace

std::optional<std::chrono::milliseconds> next_drain_end(const ServiceConfig& service,
                                                        std::chrono::milliseconds draining_for) {
  return drain_end(service, draining_for, [](auto a, auto b) { return std::min(a, b); });
}

std::optional<std::chrono::milliseconds> last_drain_end(const ServiceConfig& service,
                                                        std::chrono::milliseconds draining_for) {
  return drain_end(service, draining_for, [](auto a, auto b) { return std::max(a, b); });
}

std::vector<RouteCommand> commands_for(ServiceState state, const ServiceConfig& service,
                                       std::optional<std::chrono::milliseconds> draining_for) {
  std::vector<RouteCommand> out;
  for (const auto& r : service.routes) {
    RouteCommand cmd;
    cmd.key = bridge::route_key(r.route);
    cmd.desired = desired_for(state, r, draining_for);
    switch (cmd.desired) {
      case Desired::none:
        break;
      case Desired::announce:
        cmd.line = bridge::format_announce(r.route, r.attributes);
        break;
      case Desired::withdraw:
        cmd.line = bridge::format_withdraw(r.route);
        break;
      case Desired::announce_degraded:
        cmd.line = bridge::format_announce(r.route, r.when_degraded);
        break;
      case Desired::announce_down:
        // when_down / when_disabled attributes replace the route's own: the operator states the
        // whole degraded announcement (e.g. a worse MED plus a community) in one place.
        cmd.line =
            bridge::format_announce(r.route, std::get<bridge::Attributes>(*action_for(state, r)));
        break;
    }
    out.push_back(std::move(cmd));
  }
  return out;
}

ServiceState routed_state(const Machine& machine, bool hitless) {
  if (hitless && machine.fresh && machine.state == ServiceState::rising) return ServiceState::init;
  return machine.state;
}

}  // namespace sidecar
