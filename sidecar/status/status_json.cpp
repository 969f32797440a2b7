// Renders the status file (deploy/schema/status.schema.json) from a snapshot. The keys monitoring
// relies on keep their names and meaning; extra keys (interval_ms, routes, counters, ...) only
// add detail.
#include <cmath>

#include "sidecar/lib/json_text.hpp"
#include "sidecar/status/status_model.hpp"

namespace sidecar {
namespace {

// Unix times with millisecond precision keep the file short and diff-friendly.
double round_ms(double t) {
  return std::round(t * 1000.0) / 1000.0;
}

nlohmann::json check_json(const CheckView& c) {
  nlohmann::json j = {{"name", c.name}, {"type", c.type}, {"on_failure", c.on_failure}};
  if (c.type == "dns") {
    j["server"] = c.server;
    j["port"] = c.port;
    j["qname"] = c.qname;
    j["qtype"] = c.qtype;
    j["transport"] = c.transport;
    // Only when configured: `status` then names that program's tools in its hint.
    if (c.software != probes::Software::any) j["resolver"] = probes::to_string(c.software);
  } else {
    j["command"] = c.command;
  }
  if (c.last) {
    j["ok"] = c.last->ok;
    j["reason"] = std::string(probes::to_string(c.last->reason));
    j["detail"] = c.last->detail;
    j["rtt_ms"] = std::round(c.last->rtt_ms * 1000.0) / 1000.0;
    j["at_unix"] = round_ms(c.at_unix);
    j["rcode"] = c.last->rcode ? nlohmann::json(probes::rcode_to_string(*c.last->rcode))
                               : nlohmann::json(nullptr);
    j["answers"] = c.last->answers;
  } else {
    j["ok"] = false;
    j["reason"] = nullptr;
    j["detail"] = "not probed yet";
    j["rtt_ms"] = nullptr;
    j["at_unix"] = nullptr;
  }
  j["consecutive_failures"] = c.consecutive_failures;
  j["consecutive_successes"] = c.consecutive_successes;
  return j;
}

// Round lag (how late rounds started against their plan) as a cumulative histogram: rounds
// whose lag was at most each bound, the last entry every round.
nlohmann::json schedule_json(const StatusSnapshot& s) {
  nlohmann::json bounds = nlohmann::json::array();
  nlohmann::json at_most = nlohmann::json::array();
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < s.schedule.counts.size(); ++i) {
    n += s.schedule.counts[i];
    if (i < ScheduleStats::kBoundsMs.size()) bounds.push_back(ScheduleStats::kBoundsMs[i]);
    at_most.push_back(n);
  }
  return {{"rounds", s.schedule.rounds},
          {"lag_max_ms", round_ms(s.schedule_max_ms)},
          {"lag_sum_ms", round_ms(s.schedule.sum_ms)},
          {"lag_bounds_ms", bounds},
          {"rounds_lag_at_most", at_most}};
}

nlohmann::json optional_time(const std::optional<double>& t) {
  return t ? nlohmann::json(round_ms(*t)) : nlohmann::json(nullptr);
}

nlohmann::json slot_json(const FleetSlotView& slot) {
  return {{"node", slot.node}, {"reason", slot.reason}, {"since_unix", round_ms(slot.since_unix)}};
}

}  // namespace

std::string_view to_string(FleetState state) {
  switch (state) {
    case FleetState::off:
      return "off";
    case FleetState::ok:
      return "ok";
    case FleetState::unreachable:
      return "unreachable";
  }
  return "off";
}

nlohmann::json fleet_to_json(const FleetStatusView& f) {
  nlohmann::json out = {{"state", std::string(to_string(f.state))}};
  if (f.state == FleetState::off) {
    // The contract's keys, empty: a reader need not ask whether they exist.
    out.update({{"since_unix", nullptr},
                {"node", nullptr},
                {"slot", nullptr},
                {"verify", nullptr},
                {"floor_hold", nlohmann::json::array()}});
    return out;
  }
  nlohmann::json slot = nullptr;
  if (f.slot) slot = {{"reason", f.slot->reason}, {"since_unix", round_ms(f.slot->since_unix)}};
  nlohmann::json verify = nullptr;
  if (f.verify) {
    verify = {{"ok", f.verify->ok},
              {"service", f.verify->service},
              {"check", f.verify->check},
              {"reason", f.verify->reason},
              {"at_unix", round_ms(f.verify->at_unix)}};
  }
  nlohmann::json out_of_service = nlohmann::json::array();
  for (const auto& n : f.out_of_service) {
    out_of_service.push_back({{"node", n.node},
                              {"status", n.status},
                              {"why", n.why},
                              {"since_unix", optional_time(n.since_unix)}});
  }
  nlohmann::json slots = nlohmann::json::array();
  for (const auto& s : f.slots) slots.push_back(slot_json(s));
  out.update({{"since_unix", round_ms(f.since_unix)},
              {"node", f.node},
              {"prefix", f.prefix},
              {"detail", f.detail},
              {"slot", slot},
              {"verify", verify},
              {"floor_hold", f.floor_hold},
              {"max_unavailable", f.max_unavailable},
              {"members",
               {{"known", f.members}, {"present", f.present}, {"out", f.out_of_service.size()}}},
              {"out_of_service", out_of_service},
              {"slots", slots}});
  valid_utf8_strings(out);
  return out;
}

nlohmann::json service_to_json(const ServiceView& svc) {
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& ch : svc.checks) checks.push_back(check_json(ch));
  nlohmann::json transitions = nlohmann::json::array();
  for (const auto& t : svc.transitions) {
    transitions.push_back({{"at_unix", round_ms(t.at_unix)},
                           {"from", std::string(to_string(t.from))},
                           {"to", std::string(to_string(t.to))},
                           {"reason", t.reason}});
  }
  nlohmann::json routes = nlohmann::json::array();
  for (const auto& r : svc.routes) {
    routes.push_back({{"prefix", r.prefix},
                      {"next_hop", r.next_hop},
                      {"neighbors", r.neighbors},
                      {"desired", std::string(to_string(r.desired))},
                      {"confirmed", r.confirmed},
                      {"rejected", r.rejected},
                      {"command", r.command}});
  }
  nlohmann::json by_reason = nlohmann::json::object();
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    by_reason[std::string(probes::to_string(probes::kAllReasons[i]))] = svc.probes_by_reason[i];
  }
  nlohmann::json maintenance = nullptr;
  if (svc.maintenance) {
    maintenance = {{"reason", svc.maintenance->reason},
                   {"since_unix", round_ms(svc.maintenance->since_unix)}};
    if (svc.maintenance->drain_until_unix) {
      maintenance["drain_until_unix"] = round_ms(*svc.maintenance->drain_until_unix);
    }
  }
  nlohmann::json out = {
      {"name", svc.name},
      {"state", std::string(to_string(svc.state))},
      {"since_unix", round_ms(svc.since_unix)},
      {"desired", service_desired(svc)},
      {"announced", service_announced(svc)},
      {"maintenance", maintenance},
      {"checks", checks},
      {"transitions", transitions},
      {"routes", routes},
      {"interval_ms", svc.interval.count()},
      {"fast_interval_ms", svc.fast_interval.count()},
      {"rise", svc.rise},
      {"fall", svc.fall},
      {"policy", svc.policy},
      {"rounds", svc.rounds},
      {"transitions_total", svc.transitions_total},
      {"probes_by_reason", by_reason},
  };
  valid_utf8_strings(out);
  return out;
}

namespace {
nlohmann::json document_without_services(const StatusSnapshot& s);
}  // namespace

nlohmann::json status_to_json(const StatusSnapshot& s) {
  auto out = document_without_services(s);
  nlohmann::json services = nlohmann::json::array();
  for (const auto& svc : s.services) services.push_back(service_to_json(svc));
  out["services"] = std::move(services);
  return out;
}

namespace {

// Everything but "services", sanitized.
nlohmann::json document_without_services(const StatusSnapshot& s) {
  nlohmann::json neighbors = nlohmann::json::array();
  for (const auto& n : s.exabgp.neighbors) {
    neighbors.push_back(
        {{"peer", n.peer}, {"state", n.state}, {"since_unix", round_ms(n.since_unix)}});
  }
  const auto& c = s.exabgp.counters;
  nlohmann::json exabgp = {
      {"state", std::string(bridge::to_string(s.exabgp.state))},
      {"pending_acks", s.exabgp.pending_acks},
      {"last_ack_unix", s.exabgp.last_ack_unix ? nlohmann::json(round_ms(*s.exabgp.last_ack_unix))
                                               : nlohmann::json(nullptr)},
      {"detail", s.exabgp.detail},
      {"neighbors", neighbors},
      {"ack", s.exabgp.ack},
      {"version",
       s.exabgp.version.empty() ? nlohmann::json(nullptr) : nlohmann::json(s.exabgp.version)},
      {"counters",
       {{"commands_written", c.commands_written},
        {"route_commands_written", c.route_commands_written},
        {"pings_written", c.pings_written},
        {"coalesced", c.coalesced},
        {"acks_done", c.acks_done},
        {"acks_error", c.acks_error},
        {"unexpected_acks", c.unexpected_acks},
        {"lines_read", c.lines_read},
        {"unknown_lines", c.unknown_lines},
        {"long_lines_discarded", c.long_lines_discarded},
        {"bytes_read", c.bytes_read},
        {"stalls", c.stalls}}},
  };

  nlohmann::json out = {
      {"schema", 1},
      {"version", s.version},
      {"pid", s.pid},
      {"started_unix", round_ms(s.started_unix)},
      {"updated_unix", round_ms(s.updated_unix)},
      {"seq", s.seq},
      {"exabgp", exabgp},
      {"log_lines_dropped", s.log_lines_dropped},
      {"schedule", schedule_json(s)},
      {"fleet", fleet_to_json(s.fleet)},
  };
  // An invalid configuration: the daemon runs announcing nothing and says why (contract).
  if (s.config_error) out["config_error"] = *s.config_error;
  if (!s.withdrawing.empty()) {
    nlohmann::json withdrawing = nlohmann::json::array();
    for (const auto& r : s.withdrawing) {
      withdrawing.push_back({{"prefix", r.prefix.text},
                             {"next_hop", r.next_hop.text},
                             {"neighbors", r.neighbors},
                             {"desired", "withdraw"},
                             {"confirmed", false}});
    }
    out["withdrawing"] = std::move(withdrawing);
  }
  if (s.reloaded_unix) out["reloaded_unix"] = round_ms(*s.reloaded_unix);
  if (s.reload_error) out["reload_error"] = *s.reload_error;
  if (!s.write_errors.empty()) out["write_errors"] = s.write_errors;
  // Names, details, reasons, ExaBGP text and answers came from outside: whatever a caller forgot
  // to clean, the document leaves here valid UTF-8, so no dump() of it can throw (the services'
  // entries, made by service_to_json, already are).
  valid_utf8_strings(out);
  return out;
}

}  // namespace

std::string service_entry_text(const ServiceView& service) {
  return dump_json(service_to_json(service));
}

std::string render_status(const StatusSnapshot& snapshot) {
  std::vector<std::string> entries;
  entries.reserve(snapshot.services.size());
  for (const auto& svc : snapshot.services) entries.push_back(service_entry_text(svc));
  return render_status(snapshot, entries);
}

std::string render_status(const StatusSnapshot& snapshot, const std::vector<std::string>& entries) {
  // The document is dumped with an empty "services" (a key no string of it can contain: keys
  // are ours, and values are dumped escaped), whose place then receives the entries' lines.
  auto doc = document_without_services(snapshot);
  doc["services"] = nlohmann::json::array();
  auto text = dump_json(doc, 2);
  static constexpr std::string_view kEmpty = "\n  \"services\": []";
  auto at = text.find(kEmpty);
  if (at == std::string::npos) return text + "\n";  // cannot be: the key is ours
  std::string out;
  std::size_t size = text.size() + 16;
  for (const auto& e : entries) size += e.size() + 6;
  out.reserve(size);
  out.append(text, 0, at);
  out.append("\n  \"services\": [");
  for (std::size_t i = 0; i < entries.size(); ++i) {
    out.append(i ? ",\n    " : "\n    ").append(entries[i]);
  }
  out.append(entries.empty() ? "]" : "\n  ]");
  out.append(text, at + kEmpty.size());
  out.push_back('\n');
  return out;
}

}  // namespace sidecar
