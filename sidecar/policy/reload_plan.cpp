#include "sidecar/policy/reload_plan.hpp"

#include <algorithm>

#include "exabgp-bridge/route.hpp"

namespace sidecar {
namespace {

const ServiceConfig* find_service(const Config& config, const std::string& name) {
  for (const auto& s : config.services) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

// Route key -> owning service name in a configuration (check-config guarantees one owner).
std::map<std::string, std::string> owners(const Config& config) {
  std::map<std::string, std::string> out;
  for (const auto& s : config.services) {
    for (const auto& r : s.routes) out.emplace(bridge::route_key(r.route), s.name);
  }
  return out;
}

}  // namespace

ReloadPlan plan_reload(const Config& current, const Config& next, const SentByService& sent) {
  ReloadPlan plan;
  for (const auto& s : current.services) {
    if (!find_service(next, s.name)) plan.stop.push_back(s.name);
  }
  for (const auto& s : next.services) {
    (find_service(current, s.name) ? plan.keep : plan.start).push_back(s.name);
  }

  // Every route an old service sent and no longer owns: withdrawn when nobody owns it now,
  // handed over (left as announced, the new owner's next decision replaces it) when another
  // service does. Withdrawing a handed-over route would race the new owner's announcement: if the
  // withdraw went out last, the new owner, believing its line already sent, would never repeat it.
  const auto next_owner = owners(next);
  for (const auto& s : current.services) {
    auto sent_it = sent.find(s.name);
    if (sent_it == sent.end()) continue;
    for (const auto& r : s.routes) {
      auto key = bridge::route_key(r.route);
      auto line_it = sent_it->second.find(key);
      if (line_it == sent_it->second.end()) continue;
      auto owner = next_owner.find(key);
      if (owner != next_owner.end() && owner->second == s.name) continue;  // still its own
      plan.forget[s.name].push_back(key);
      if (owner != next_owner.end()) {
        plan.handover.push_back({s.name, owner->second, key, line_it->second});
        continue;
      }
      auto line = bridge::format_withdraw(r.route);
      auto& list = line_it->second != line ? plan.withdraw : plan.already_withdrawn;
      list.push_back({s.name, key, std::move(line)});
    }
  }

  const auto& a = current.exabgp;
  const auto& b = next.exabgp;
  if (a.ack != b.ack) plan.restart_needed.push_back("exabgp.ack");
  if (a.ack_timeout != b.ack_timeout) plan.restart_needed.push_back("exabgp.ack_timeout_ms");
  if (a.ping_interval != b.ping_interval) {
    plan.restart_needed.push_back("exabgp.ping_interval_ms");
  }
  plan.start_refresh = a.refresh.count() == 0 && b.refresh.count() > 0;
  return plan;
}

}  // namespace sidecar
