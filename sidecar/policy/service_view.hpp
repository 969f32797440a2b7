#pragma once
// A service as the status file, the metrics and the hooks see it (ServiceView), and how a round
// updates it, as pure functions over the view: the daemon's service runner calls them and only
// logs what they report.
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "probes/check.hpp"
#include "sidecar/config/config.hpp"
#include "sidecar/policy/route_policy.hpp"
#include "sidecar/policy/state_machine.hpp"

namespace sidecar {

inline constexpr std::size_t kReasonCount = std::size(probes::kAllReasons);

struct CheckView {
  std::string name;
  std::string type;                 // "dns" | "exec"
  std::string on_failure = "down";  // "down" | "degrade"
  std::string server;
  std::uint16_t port = 0;
  std::string qname;
  std::string qtype;
  std::string transport;
  probes::Software software = probes::Software::any;  // the hints' tools (status)
  std::vector<std::string> command;                   // exec
  std::optional<probes::CheckResult> last;
  double at_unix = 0;
  int consecutive_failures = 0;
  int consecutive_successes = 0;
};

struct TransitionView {
  double at_unix = 0;
  ServiceState from = ServiceState::init;
  ServiceState to = ServiceState::init;
  std::string reason;
};

struct RouteView {
  std::string prefix;
  std::string next_hop;
  Desired desired = Desired::none;
  bool confirmed = false;
  bool rejected = false;
  std::string command;                 // the latest line sent for it
  std::vector<std::string> neighbors;  // the route's scope; empty = every peer
};

struct MaintenanceView {
  std::string reason;
  double since_unix = 0;
  std::optional<double> drain_until_unix;  // while a drain runs: when its last route withdraws
};

struct ServiceView {
  std::string name;
  ServiceState state = ServiceState::init;
  double since_unix = 0;
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds fast_interval{200};
  int rise = 3, fall = 3;
  std::string policy;
  std::optional<MaintenanceView> maintenance;
  std::vector<CheckView> checks;
  std::deque<TransitionView> transitions;
  std::vector<RouteView> routes;
  std::uint64_t rounds = 0;
  std::uint64_t transitions_total = 0;
  std::array<std::uint64_t, kReasonCount> probes_by_reason{};
};

// Service-level summary of the per-route desired states (contract: announce | announce-degraded |
// announce-down | withdraw). INIT sends nothing yet and is reported as "withdraw" with announced
// false.
std::string service_desired(const ServiceView& service);
// ExaBGP acknowledged the current desired state of every route (contract's "announced").
bool service_announced(const ServiceView& service);

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

}  // namespace sidecar
