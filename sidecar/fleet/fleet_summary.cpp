#include "sidecar/fleet/fleet_summary.hpp"

namespace fleet {

void apply_view(sidecar::FleetStatusView& status, const FleetView& view, std::string_view me,
                int max_unavailable) {
  status.max_unavailable = max_unavailable;
  status.members = view.nodes.size();
  status.present = view.present_count();
  status.out_of_service.clear();
  for (const auto& n : view.nodes) {
    if (!n.out()) continue;
    status.out_of_service.push_back(
        {n.node, std::string(to_string(n.status)), n.why.empty() && n.slot ? "holds a slot" : n.why,
         n.since_unix ? n.since_unix
                      : (n.slot ? std::optional(n.slot->since_unix) : std::nullopt)});
  }
  status.slots.clear();
  status.slot.reset();
  for (const auto& s : view.budget.slots) {
    status.slots.push_back({s.node, s.reason, s.since_unix});
    if (s.node == me) status.slot = sidecar::FleetSlotView{s.node, s.reason, s.since_unix};
  }
}

}  // namespace fleet
