#pragma once
// A snapshot of everything the daemon knows, as plain values: the status file and the metrics
// file are both rendered from it (pure functions), so they can never disagree.
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exabgp-bridge/bridge_core.hpp"
#include "probes/check.hpp"
#include "sidecar/route_policy.hpp"
#include "sidecar/schedule_stats.hpp"
#include "sidecar/state_machine.hpp"

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
  std::vector<std::string> command;  // exec
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

struct NeighborView {
  std::string peer;
  std::string state;
  double since_unix = 0;
};

struct BridgeView {
  bridge::LinkState state = bridge::LinkState::ok;
  std::size_t pending_acks = 0;
  std::optional<double> last_ack_unix;
  std::string detail;
  std::vector<NeighborView> neighbors;
  bridge::BridgeCounters counters;
  bool ack = true;
  std::string version;  // ExaBGP's release ("4.2.21") from its version answer; "" until known
};

struct StatusSnapshot {
  std::string version;
  long pid = 0;
  double started_unix = 0;
  double updated_unix = 0;
  std::uint64_t seq = 0;
  BridgeView exabgp;
  std::vector<ServiceView> services;
  std::uint64_t log_lines_dropped = 0;
  ScheduleStats schedule;      // how late the rounds started against their plan
  double schedule_max_ms = 0;  // its recent_max_ms at the snapshot
  // Set when the configuration could not be used: the problems, one line each (contract: the
  // process stays up announcing nothing; `status` exits 2 and shows them).
  std::optional<std::vector<std::string>> config_error;
};

// Service-level summary of the per-route desired states (contract: announce | announce-degraded |
// announce-down | withdraw). INIT sends nothing yet and is reported as "withdraw" with announced
// false.
std::string service_desired(const ServiceView& service);
// ExaBGP acknowledged the current desired state of every route (contract's "announced").
bool service_announced(const ServiceView& service);

// Every string of the result is valid UTF-8 (sanitized here), so dump() cannot throw on it.
nlohmann::json status_to_json(const StatusSnapshot& snapshot);
// One entry of "services" (sanitized like the rest).
nlohmann::json service_to_json(const ServiceView& service);
// The status file's text: the document with 2-space indent, each service's entry on one line
// (a 1,000-service node's file stays a few MB and quick to write; `status` is for people), and a
// final newline.
std::string render_status(const StatusSnapshot& snapshot);
// The same in two steps, so a large node can render its services' entries a few at a time: an
// entry's text (service_entry_text), and the document around the entries, in order.
std::string service_entry_text(const ServiceView& service);
std::string render_status(const StatusSnapshot& snapshot, const std::vector<std::string>& entries);
std::string metrics_text(const StatusSnapshot& snapshot);

}  // namespace sidecar
