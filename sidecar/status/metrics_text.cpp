// The snapshot in Prometheus text exposition format, for node_exporter's textfile collector.
#include <cstdio>
#include <string>

#include "sidecar/lib/printable.hpp"
#include "sidecar/status/status_model.hpp"

namespace sidecar {
namespace {

std::string escape_label(std::string_view raw) {
  // Label values must be valid UTF-8 (Prometheus rejects the whole file otherwise).
  const std::string v = text::to_utf8(raw);
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out.push_back('\\');
      out.push_back(c);
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  }
  void sample(std::string_view name,
              std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
              double value) {
    out_.append(name);
    if (labels.size() > 0) {
      out_.push_back('{');
      bool first = true;
      for (const auto& [k, v] : labels) {
        if (!first) out_.push_back(',');
        first = false;
        out_.append(k).append("=\"").append(escape_label(v)).append("\"");
      }
      out_.push_back('}');
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, " %.17g\n", value);
    out_.append(buf);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

constexpr ServiceState kStates[] = {
    ServiceState::init, ServiceState::rising,   ServiceState::up,      ServiceState::falling,
    ServiceState::down, ServiceState::disabled, ServiceState::degraded};

// The fleet as this node last saw it. Every node reports the whole fleet (slots, nodes out), so
// alert rules aggregate with max by (node) rather than sum. With the fleet off only the state
// family is written: a dashboard can tell "off" from "not reporting".
void fleet_metrics(Writer& w, const FleetStatusView& f) {
  w.family("anycast_sidecar_fleet_state", "gauge",
           "Fleet coordination through etcd: 1 for the current one of off, ok, unreachable.");
  for (auto st : {FleetState::off, FleetState::ok, FleetState::unreachable}) {
    w.sample("anycast_sidecar_fleet_state", {{"state", to_string(st)}}, f.state == st ? 1 : 0);
  }
  if (f.state == FleetState::off) return;
  w.family("anycast_sidecar_fleet_state_since_timestamp_seconds", "gauge",
           "Unix time the fleet state last changed.");
  w.sample("anycast_sidecar_fleet_state_since_timestamp_seconds", {}, f.since_unix);
  w.family("anycast_sidecar_fleet_members", "gauge", "Nodes known to the fleet.");
  w.sample("anycast_sidecar_fleet_members", {}, static_cast<double>(f.members));
  w.family("anycast_sidecar_fleet_members_present", "gauge",
           "Nodes whose presence (under an etcd lease) is alive.");
  w.sample("anycast_sidecar_fleet_members_present", {}, static_cast<double>(f.present));
  w.family("anycast_sidecar_fleet_out_of_service", "gauge",
           "Nodes out of service: in maintenance, withdrawn for a failure, gone, or holding a "
           "slot.");
  w.sample("anycast_sidecar_fleet_out_of_service", {},
           static_cast<double>(f.out_of_service.size()));
  w.family("anycast_sidecar_fleet_max_unavailable", "gauge",
           "Nodes allowed out of service at once (fleet.max_unavailable).");
  w.sample("anycast_sidecar_fleet_max_unavailable", {}, f.max_unavailable);
  w.family("anycast_sidecar_fleet_slots_held", "gauge", "Maintenance slots held in the fleet.");
  w.sample("anycast_sidecar_fleet_slots_held", {}, static_cast<double>(f.slots.size()));
  w.family("anycast_sidecar_fleet_slot_held_since_timestamp_seconds", "gauge",
           "Unix time each maintenance slot of the fleet was taken, by the node holding it.");
  for (const auto& slot : f.slots) {
    w.sample("anycast_sidecar_fleet_slot_held_since_timestamp_seconds", {{"node", slot.node}},
             slot.since_unix);
  }
  w.family("anycast_sidecar_fleet_slot_held", "gauge", "1 while this node holds a fleet slot.");
  w.sample("anycast_sidecar_fleet_slot_held", {}, f.slot ? 1 : 0);
  w.family("anycast_sidecar_fleet_verify_failed", "gauge",
           "1 while this node's last maintenance off --verify failed (it stays out, holding its "
           "slot).");
  bool failed = f.verify && !f.verify->ok;
  w.sample("anycast_sidecar_fleet_verify_failed",
           {{"service", failed ? f.verify->service : ""},
            {"check", failed ? f.verify->check : ""},
            {"reason", failed ? f.verify->reason : ""}},
           failed ? 1 : 0);
  w.family(
      "anycast_sidecar_fleet_floor_hold", "gauge",
      "1 for each prefix the fleet floor keeps announced although the service would withdraw.");
  for (const auto& prefix : f.floor_hold) {
    w.sample("anycast_sidecar_fleet_floor_hold", {{"prefix", prefix}}, 1);
  }
}

}  // namespace

std::string metrics_text(const StatusSnapshot& s) {
  Writer w;
  w.family("anycast_sidecar_info", "gauge", "Build and process information.");
  w.sample("anycast_sidecar_info", {{"version", s.version}}, 1);
  w.family("anycast_sidecar_status_updated_timestamp_seconds", "gauge",
           "Unix time of the last status write (heartbeat of the decision loop).");
  w.sample("anycast_sidecar_status_updated_timestamp_seconds", {}, s.updated_unix);
  w.family("anycast_sidecar_started_timestamp_seconds", "gauge", "Unix time the daemon started.");
  w.sample("anycast_sidecar_started_timestamp_seconds", {}, s.started_unix);

  w.family("anycast_sidecar_log_lines_dropped_total", "counter",
           "Log lines dropped because stderr (ExaBGP's pipe) was full.");
  w.sample("anycast_sidecar_log_lines_dropped_total", {}, static_cast<double>(s.log_lines_dropped));

  w.family("anycast_sidecar_bridge_state", "gauge",
           "ExaBGP API bridge state: 1 for the current one of ok, stalled, gone.");
  for (auto st : {bridge::LinkState::ok, bridge::LinkState::stalled, bridge::LinkState::gone}) {
    w.sample("anycast_sidecar_bridge_state", {{"state", bridge::to_string(st)}},
             s.exabgp.state == st ? 1 : 0);
  }
  w.family("anycast_sidecar_bridge_pending_acks", "gauge",
           "Commands written to ExaBGP and not yet acknowledged.");
  w.sample("anycast_sidecar_bridge_pending_acks", {}, static_cast<double>(s.exabgp.pending_acks));
  w.family("anycast_sidecar_bridge_commands_written_total", "counter",
           "Commands (routes and pings) written to ExaBGP.");
  w.sample("anycast_sidecar_bridge_commands_written_total", {},
           static_cast<double>(s.exabgp.counters.commands_written));
  w.family("anycast_sidecar_bridge_acks_total", "counter", "Acknowledgements read from ExaBGP.");
  w.sample("anycast_sidecar_bridge_acks_total", {{"result", "done"}},
           static_cast<double>(s.exabgp.counters.acks_done));
  w.sample("anycast_sidecar_bridge_acks_total", {{"result", "error"}},
           static_cast<double>(s.exabgp.counters.acks_error));
  w.family("anycast_sidecar_bridge_stalls_total", "counter", "Times the bridge became stalled.");
  w.sample("anycast_sidecar_bridge_stalls_total", {},
           static_cast<double>(s.exabgp.counters.stalls));
  w.family("anycast_sidecar_neighbor_up", "gauge", "1 when ExaBGP reports the BGP neighbor up.");
  for (const auto& n : s.exabgp.neighbors) {
    w.sample("anycast_sidecar_neighbor_up", {{"peer", n.peer}}, n.state == "up" ? 1 : 0);
  }

  w.family("anycast_sidecar_service_up", "gauge", "1 when the service is in state up.");
  for (const auto& svc : s.services) {
    w.sample("anycast_sidecar_service_up", {{"service", svc.name}},
             svc.state == ServiceState::up ? 1 : 0);
  }
  w.family("anycast_sidecar_service_state", "gauge", "1 for the service's current state.");
  for (const auto& svc : s.services) {
    for (auto st : kStates) {
      w.sample("anycast_sidecar_service_state", {{"service", svc.name}, {"state", to_string(st)}},
               svc.state == st ? 1 : 0);
    }
  }
  w.family("anycast_sidecar_service_maintenance", "gauge", "1 when the maintenance file exists.");
  for (const auto& svc : s.services) {
    w.sample("anycast_sidecar_service_maintenance", {{"service", svc.name}},
             svc.maintenance ? 1 : 0);
  }
  w.family("anycast_sidecar_route_announced", "gauge",
           "1 when the route is announced (desired announce, announce-degraded or announce-down) "
           "and ExaBGP "
           "acknowledged it.");
  for (const auto& svc : s.services) {
    for (const auto& r : svc.routes) {
      bool announced = (r.desired == Desired::announce || r.desired == Desired::announce_down ||
                        r.desired == Desired::announce_degraded) &&
                       r.confirmed && !r.rejected;
      w.sample("anycast_sidecar_route_announced", {{"service", svc.name}, {"prefix", r.prefix}},
               announced ? 1 : 0);
    }
  }
  w.family("anycast_sidecar_route_confirmed", "gauge",
           "1 when ExaBGP acknowledged the route's current desired state.");
  for (const auto& svc : s.services) {
    for (const auto& r : svc.routes) {
      w.sample("anycast_sidecar_route_confirmed",
               {{"service", svc.name}, {"prefix", r.prefix}, {"desired", to_string(r.desired)}},
               r.confirmed && !r.rejected ? 1 : 0);
    }
  }
  w.family("anycast_sidecar_check_ok", "gauge",
           "1 when the check's last probe passed; the reason label names the cause otherwise.");
  for (const auto& svc : s.services) {
    for (const auto& ch : svc.checks) {
      std::string reason = ch.last ? std::string(probes::to_string(ch.last->reason)) : "none";
      w.sample("anycast_sidecar_check_ok",
               {{"service", svc.name}, {"check", ch.name}, {"reason", reason}},
               ch.last && ch.last->ok ? 1 : 0);
    }
  }
  // A separate family, not a label on check_ok: adding a label would rename every existing series.
  w.family("anycast_sidecar_check_degrades", "gauge",
           "1 when the check has on_failure \"degrade\" (its failure degrades, never downs).");
  for (const auto& svc : s.services) {
    for (const auto& ch : svc.checks) {
      w.sample("anycast_sidecar_check_degrades", {{"service", svc.name}, {"check", ch.name}},
               ch.on_failure == "degrade" ? 1 : 0);
    }
  }
  w.family("anycast_sidecar_check_rtt_seconds", "gauge", "Round trip of the check's last probe.");
  for (const auto& svc : s.services) {
    for (const auto& ch : svc.checks) {
      if (ch.last) {
        w.sample("anycast_sidecar_check_rtt_seconds", {{"service", svc.name}, {"check", ch.name}},
                 ch.last->rtt_ms / 1000.0);
      }
    }
  }
  w.family("anycast_sidecar_probes_total", "counter", "Probes run, by outcome reason.");
  for (const auto& svc : s.services) {
    for (std::size_t i = 0; i < kReasonCount; ++i) {
      w.sample("anycast_sidecar_probes_total",
               {{"service", svc.name}, {"reason", probes::to_string(probes::kAllReasons[i])}},
               static_cast<double>(svc.probes_by_reason[i]));
    }
  }
  // Round lag as a Prometheus histogram: an alert on its rate above 5 ms sees a loop that cannot
  // keep up before rounds go missing.
  w.family("anycast_sidecar_round_lag_seconds", "histogram",
           "How late service rounds started against their plan.");
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < s.schedule.counts.size(); ++i) {
    n += s.schedule.counts[i];
    char le[32];
    if (i < ScheduleStats::kBoundsMs.size()) {
      std::snprintf(le, sizeof le, "%g", ScheduleStats::kBoundsMs[i] / 1000.0);
    } else {
      std::snprintf(le, sizeof le, "+Inf");
    }
    w.sample("anycast_sidecar_round_lag_seconds_bucket", {{"le", le}}, static_cast<double>(n));
  }
  w.sample("anycast_sidecar_round_lag_seconds_sum", {}, s.schedule.sum_ms / 1000.0);
  w.sample("anycast_sidecar_round_lag_seconds_count", {}, static_cast<double>(s.schedule.rounds));
  w.family("anycast_sidecar_transitions_total", "counter", "State transitions of the service.");
  for (const auto& svc : s.services) {
    w.sample("anycast_sidecar_transitions_total", {{"service", svc.name}},
             static_cast<double>(svc.transitions_total));
  }
  fleet_metrics(w, s.fleet);
  return w.take();
}

}  // namespace sidecar
