#include "sidecar/fleet/fleet_summary.hpp"

#include <algorithm>

namespace fleet {
namespace {

using json = nlohmann::json;

std::string failing_checks(const sidecar::ServiceView& svc) {
  std::string out;
  for (const auto& c : svc.checks) {
    if (!c.last || c.last->ok) continue;
    out +=
        (out.empty() ? "" : ", ") + c.name + " " + std::string(probes::to_string(c.last->reason));
  }
  return out;
}

}  // namespace

PresenceRecord presence_of(std::string_view node, std::string_view version,
                           const std::vector<sidecar::ServiceView>& services, double now_unix) {
  PresenceRecord p;
  p.node = node;
  p.version = version;
  p.updated_unix = now_unix;
  for (const auto& svc : services) {
    ServiceRecord s;
    s.name = svc.name;
    s.state = sidecar::to_string(svc.state);
    s.desired = sidecar::service_desired(svc);
    s.reason = failing_checks(svc);
    s.since_unix = svc.since_unix;
    if (svc.maintenance) {
      s.maintenance = MaintenanceRecord{svc.maintenance->reason, svc.maintenance->since_unix};
    }
    for (const auto& r : svc.routes) {
      s.routes.push_back({r.prefix, r.desired == sidecar::Desired::none
                                        ? "withdraw"
                                        : std::string(to_string(r.desired))});
    }
    p.services.push_back(std::move(s));
  }
  p.services_total = p.services.size();
  return p;
}

bool same_presence(const PresenceRecord& a, const PresenceRecord& b) {
  auto x = a;
  x.updated_unix = b.updated_unix;
  return x == b;
}

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

std::map<std::string, double> gone_since_from_status(const json& status) {
  std::map<std::string, double> out;
  if (!status.is_object() || !status.contains("fleet") || !status["fleet"].is_object()) return out;
  const auto& f = status["fleet"];
  if (!f.contains("out_of_service") || !f["out_of_service"].is_array()) return out;
  for (const auto& n : f["out_of_service"]) {
    if (!n.is_object() || !n.contains("node") || !n["node"].is_string() || !n.contains("status") ||
        n["status"] != "gone" || !n.contains("since_unix") || !n["since_unix"].is_number()) {
      continue;
    }
    auto node = n["node"].get<std::string>();
    auto since = n["since_unix"].get<double>();
    if (valid_node_name(node) && since >= 0 && since <= kMaxUnixTime && out.size() < kMaxNodes) {
      out[node] = since;
    }
  }
  return out;
}

VerifyInput verify_input(const json& entry, const sidecar::ServiceConfig& config,
                         double started_unix, bool timed_out, double now_unix) {
  VerifyInput in;
  in.service = config.name;
  in.policy = config.policy;
  in.rise = config.rise;
  in.timed_out = timed_out;
  in.now_unix = now_unix;
  const json empty = json::array();
  const json& checks = entry.is_object() && entry.contains("checks") && entry["checks"].is_array()
                           ? entry["checks"]
                           : empty;
  // The configuration says which checks exist and which only degrade; the file says how they
  // fare. A configured check missing from the file has not been probed: failing.
  for (const auto& c : config.checks) {
    VerifyCheck v;
    v.name = c.name;
    v.degrade = c.on_failure == sidecar::CheckConfig::OnFailure::degrade;
    v.reason = "not probed yet";
    for (const auto& e : checks) {
      if (!e.is_object() || !e.contains("name") || e["name"] != c.name) continue;
      auto at = e.contains("at_unix") && e["at_unix"].is_number() ? e["at_unix"].get<double>() : 0;
      bool ok = e.contains("ok") && e["ok"].is_boolean() && e["ok"].get<bool>();
      if (e.contains("reason") && e["reason"].is_string())
        v.reason = e["reason"].get<std::string>();
      if (at < started_unix) {
        v.reason = "not probed since the verification started";
        break;
      }
      v.ok = ok;
      if (e.contains("consecutive_successes") && e["consecutive_successes"].is_number_integer()) {
        auto n = e["consecutive_successes"].get<std::int64_t>();
        v.consecutive_successes = static_cast<int>(std::clamp<std::int64_t>(n, 0, 1000000));
      }
      break;
    }
    in.checks.push_back(std::move(v));
  }
  return in;
}

}  // namespace fleet
