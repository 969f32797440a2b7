#pragma once
// How a service's round updates what the status file shows, as pure functions over the view:
// the daemon's service runner calls them and only logs what they report.
#include <string>
#include <vector>

#include "probes/check.hpp"
#include "sidecar/config.hpp"
#include "sidecar/state_machine.hpp"
#include "sidecar/status_model.hpp"

namespace sidecar {

// Copies what comes from the configuration into the view (names, intervals, checks). A check
// that keeps its name across a reload keeps its history (counters, last result).
void apply_config_to_view(ServiceView& view, const ServiceConfig& config);

enum class CheckChange { none, failed, recovered };

// Records one round's results (in check order) into the view's checks and reason counters.
// Returns, per check, whether it just started failing or just recovered (the latter not on the
// first round, where nothing was failing before).
std::vector<CheckChange> record_round(ServiceView& view,
                                      const std::vector<probes::CheckResult>& results,
                                      double now_unix);

// Appends a transition, keeping at most `kept` (at least 1).
void record_transition(ServiceView& view, const Transition& transition, double now_unix,
                       std::size_t kept);

// What a reader of the status file acts on, as one comparable string: the state and its since,
// maintenance, each check's ok/reason, each route's desired state and command, the transitions.
// Not the round trips, timestamps and counters that change every round: a change of the key
// writes the status file at once, the rest waits for the heartbeat.
std::string reader_key(const ServiceView& view);

// The hook configured for entering `state` (empty: none).
const std::vector<std::string>& hook_for(const Hooks& hooks, ServiceState state);

}  // namespace sidecar
