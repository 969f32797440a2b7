#include "sidecar/fleet/fleet_floor.hpp"

#include <algorithm>

namespace fleet {
namespace {

// The node counts for the floor: present, readable, and its presence announces the prefix.
bool counts(const FleetView& view, std::string_view node, std::string_view route_prefix) {
  const NodeView* n = view.find(node);
  return n && n->status != NodeStatus::gone && n->status != NodeStatus::unknown &&
         announces(*n, route_prefix);
}

std::string list(const std::vector<std::string>& nodes) {
  if (nodes.empty()) return "none";
  std::string s;
  for (const auto& n : nodes) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

FloorWish floor_wish(sidecar::ServiceState state, sidecar::Desired desired, bool maintenance,
                     bool hard) {
  using sidecar::Desired;
  using sidecar::ServiceState;
  if (maintenance || state == ServiceState::disabled) return FloorWish::none;
  switch (desired) {
    case Desired::announce:
    case Desired::announce_degraded:
    case Desired::announce_down:
      return FloorWish::announce;
    case Desired::withdraw:
      if (state != ServiceState::down && state != ServiceState::rising) return FloorWish::none;
      return hard ? FloorWish::hard_withdraw : FloorWish::soft_withdraw;
    case Desired::none:
      break;
  }
  return FloorWish::none;
}

FloorDecision decide_floor(const FleetView& view, const std::optional<RawKv>& floor,
                           const FloorRequest& req) {
  using Kind = FloorDecision::Kind;
  FloorDecision d;
  const bool soft = req.wish == FloorWish::soft_withdraw;
  d.kind = req.wish == FloorWish::announce ? Kind::announce : Kind::withdraw;
  if (req.min_announcing <= 0) {
    d.why = "the fleet floor is off";
    return d;
  }

  // The record as read. Unreadable (garbage under the key): counted as empty, which holds every
  // soft withdraw (failing open), and rewritten by the next txn of any node.
  FloorRecord record{req.route_prefix, {}};
  std::string unreadable;
  if (floor) {
    d.compare_revision = floor->mod_revision;
    auto parsed = parse_floor(floor->value);
    if (parsed.value && parsed.value->prefix == req.route_prefix) {
      record = std::move(*parsed.value);
    } else {
      unreadable = parsed.value ? "names prefix " + parsed.value->prefix : parsed.error;
    }
  }
  const bool listed = record.has(req.node);

  for (const auto& a : record.announcers) {
    if (a != req.node && counts(view, a, req.route_prefix)) d.counted.push_back(a);
  }
  const auto others = d.counted.size();
  const auto need = static_cast<std::size_t>(req.min_announcing);
  auto with_self = [&] {
    d.record = record;
    d.record.announcers.push_back(req.node);
    std::sort(d.record.announcers.begin(), d.record.announcers.end());
    d.write = true;
  };
  auto without_self = [&] {
    d.record = record;
    std::erase(d.record.announcers, req.node);
    d.write = true;
  };

  if (req.wish == FloorWish::announce || (soft && others < need)) {
    if (!listed || !unreadable.empty()) with_self();
    if (soft) {
      d.kind = Kind::hold;
      d.why = "held up by the fleet floor: " + std::to_string(others) + " other node" +
              (others == 1 ? "" : "s") + " announce " + req.route_prefix + " (" + list(d.counted) +
              "), min_announcing is " + std::to_string(req.min_announcing);
      if (!unreadable.empty()) d.why += "; its floor record was unreadable (" + unreadable + ")";
    } else {
      d.why = listed ? "announcing, listed" : "announcing: listing this node";
    }
    return d;
  }

  // Withdraw: hard (always), none (not the floor's to hold), or soft with enough others.
  if (listed || !unreadable.empty()) without_self();
  if (req.wish == FloorWish::hard_withdraw) {
    d.why = "hard failure (nothing listens): withdrawn whatever the fleet floor";
  } else if (soft) {
    d.why = std::to_string(others) + " other nodes announce " + req.route_prefix + " (" +
            list(d.counted) + "), min_announcing is " + std::to_string(req.min_announcing) +
            ": withdrawn as usual";
  } else {
    d.why = "not announcing: unlisted";
  }
  return d;
}

}  // namespace fleet
