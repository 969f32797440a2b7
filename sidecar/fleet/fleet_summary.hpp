#pragma once
// Between this node's status model and the fleet's records, both ways:
//   presence_of     this node's presence record from its services (what the agent publishes);
//   apply_view      the fleet view into the status file's fleet object (after each read or watch
//                   event; the agent keeps state, since, node, prefix, detail, verify and
//                   floor_hold itself);
//   verify_input    a service's entry of the status file as the input of decide_verify (what
//                   `maintenance off --verify` polls).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sidecar/config/config.hpp"
#include "sidecar/fleet/fleet_policy.hpp"
#include "sidecar/policy/service_view.hpp"
#include "sidecar/status/fleet_view.hpp"

namespace fleet {

// State, desired, reason (the failing checks: "local-zone connection_refused"), since,
// maintenance and routes of each service; a route not yet decided (INIT) reads "withdraw".
PresenceRecord presence_of(std::string_view node, std::string_view version,
                           const std::vector<sidecar::ServiceView>& services, double now_unix);
// Whether two presences differ in what a reader acts on (everything but updated_unix): only
// then does the agent rewrite its presence.
bool same_presence(const PresenceRecord& a, const PresenceRecord& b);

// Sets members, present, out_of_service, slots, max_unavailable and this node's slot.
void apply_view(sidecar::FleetStatusView& status, const FleetView& view, std::string_view me,
                int max_unavailable);

// What this node's daemon remembers of gone nodes (the status file's fleet.out_of_service
// entries with status "gone" and a time), as fleet_view's last_seen: a one-shot `fleet` read
// shows "gone since" as the daemon saw it. Anything malformed is left out.
std::map<std::string, double> gone_since_from_status(const nlohmann::json& status);

// The service's checks from its status file entry ({"checks": [{"name", "on_failure", "ok",
// "reason", "consecutive_successes", "at_unix"}]}), with policy and rise from its configuration.
// A check not probed at or after `started_unix` counts no passing round yet: only rounds run
// after the verification started (after the upgrade) may let the service back.
VerifyInput verify_input(const nlohmann::json& service_entry, const sidecar::ServiceConfig& config,
                         double started_unix, bool timed_out, double now_unix);

}  // namespace fleet
