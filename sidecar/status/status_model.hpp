#pragma once
// A snapshot of everything the daemon knows, as plain values: the status file and the metrics
// file are both rendered from it (pure functions), so they can never disagree.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "exabgp-bridge/bridge_core.hpp"
#include "sidecar/policy/schedule_stats.hpp"
#include "sidecar/policy/service_view.hpp"
#include "sidecar/status/fleet_view.hpp"

namespace sidecar {

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
  // Routes nobody owns any more whose withdraw ExaBGP has not acknowledged yet (rendered as
  // "withdrawing" when not empty; the next instance reads them back and withdraws them).
  std::vector<bridge::Route> withdrawing;
  // The last SIGHUP: when it was handled, and its problems while the file stays rejected (the
  // running configuration is the previous one; `status` warns until a reload is accepted).
  std::optional<double> reloaded_unix;
  std::optional<std::vector<std::string>> reload_error;
  // A status or metrics write that failed ("metrics_file /path: Permission denied"): a node whose
  // monitoring is blind must say so where on-call looks first.
  std::vector<std::string> write_errors;
  FleetStatusView fleet;  // off unless the configuration has a fleet block
};

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
// The status file's "fleet" object (sanitized like the rest).
nlohmann::json fleet_to_json(const FleetStatusView& fleet);

}  // namespace sidecar
