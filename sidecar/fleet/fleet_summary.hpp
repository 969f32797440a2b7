#pragma once
// The fleet view as this node's status file shows it (sidecar/status/fleet_view.hpp): the agent
// keeps state, since, node, prefix, detail, verify and floor_hold itself, and calls this after
// each read or watch event to refresh what the fleet looks like from here.
#include <string_view>

#include "sidecar/fleet/fleet_policy.hpp"
#include "sidecar/status/fleet_view.hpp"

namespace fleet {

// Sets members, present, out_of_service, slots, max_unavailable and this node's slot.
void apply_view(sidecar::FleetStatusView& status, const FleetView& view, std::string_view me,
                int max_unavailable);

}  // namespace fleet
