#include "sidecar/policy/service_view.hpp"

#include <algorithm>

#include "sidecar/policy/check_policy.hpp"

namespace sidecar {

void apply_config_to_view(ServiceView& view, const ServiceConfig& c) {
  view.name = c.name;
  view.interval = c.interval;
  view.fast_interval = c.fast_interval;
  view.rise = c.rise;
  view.fall = c.fall;
  view.policy = policy_to_string(c.policy);
  std::vector<CheckView> checks;
  for (const auto& ch : c.checks) {
    CheckView v;
    auto old = std::find_if(view.checks.begin(), view.checks.end(),
                            [&](const CheckView& o) { return o.name == ch.name; });
    if (old != view.checks.end()) v = *old;
    v.name = ch.name;
    v.on_failure = ch.on_failure == CheckConfig::OnFailure::degrade ? "degrade" : "down";
    if (ch.type == CheckConfig::Type::dns) {
      v.type = "dns";
      v.server = ch.dns.server;
      v.port = ch.dns.port;
      v.qname = ch.dns.qname;
      v.qtype = probes::qtype_to_string(ch.dns.qtype);
      v.transport = ch.dns.transport == probes::Transport::tcp ? "tcp" : "udp";
      v.software = ch.dns.software;
      v.command.clear();
    } else {
      v.type = "exec";
      v.server.clear();
      v.port = 0;
      v.qname.clear();
      v.qtype.clear();
      v.transport.clear();
      v.software = probes::Software::any;
      v.command = ch.exec.argv;
    }
    checks.push_back(std::move(v));
  }
  view.checks = std::move(checks);
}

std::vector<CheckChange> record_round(ServiceView& view,
                                      const std::vector<probes::CheckResult>& results,
                                      double now_unix) {
  ++view.rounds;
  std::vector<CheckChange> changes(results.size(), CheckChange::none);
  for (std::size_t i = 0; i < results.size() && i < view.checks.size(); ++i) {
    auto& v = view.checks[i];
    const auto& r = results[i];
    v.last = r;
    v.at_unix = now_unix;
    if (r.ok) {
      ++v.consecutive_successes;
      v.consecutive_failures = 0;
    } else {
      ++v.consecutive_failures;
      v.consecutive_successes = 0;
    }
    auto idx = static_cast<std::size_t>(r.reason);
    if (idx < kReasonCount) ++view.probes_by_reason[idx];
    if (!r.ok && v.consecutive_failures == 1) {
      changes[i] = CheckChange::failed;
    } else if (r.ok && v.consecutive_successes == 1 && view.rounds > 1) {
      changes[i] = CheckChange::recovered;
    }
  }
  return changes;
}

void record_transition(ServiceView& view, const Transition& t, double now_unix, std::size_t kept) {
  view.state = t.to;
  view.since_unix = now_unix;
  ++view.transitions_total;
  view.transitions.push_back({now_unix, t.from, t.to, t.reason});
  while (view.transitions.size() > std::max<std::size_t>(1, kept)) view.transitions.pop_front();
}

std::string reader_key(const ServiceView& v) {
  std::string key(to_string(v.state));
  key += '|';
  key += std::to_string(v.transitions_total);
  key += '|';
  if (v.maintenance) key += v.maintenance->reason;
  key += v.maintenance ? "|m|" : "|-|";
  for (const auto& ch : v.checks) {
    key += ch.last ? (ch.last->ok ? '+' : '-') : '?';
    if (ch.last) key += probes::to_string(ch.last->reason);
    key += ',';
  }
  key += '|';
  for (const auto& r : v.routes) {
    key += to_string(r.desired);
    key += ' ';
    key += r.command;
    key += '\n';
  }
  return key;
}

std::string service_desired(const ServiceView& service) {
  bool any_announce_down = false;
  for (const auto& r : service.routes) {
    if (r.desired == Desired::announce) return "announce";
    if (r.desired == Desired::announce_degraded) return "announce-degraded";
    if (r.desired == Desired::announce_down) any_announce_down = true;
  }
  return any_announce_down ? "announce-down" : "withdraw";
}

bool service_announced(const ServiceView& service) {
  if (service.routes.empty()) return false;
  for (const auto& r : service.routes) {
    if (r.desired == Desired::none || !r.confirmed || r.rejected) return false;
  }
  return true;
}

}  // namespace sidecar
