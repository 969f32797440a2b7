// Rules of services[i]: timing, policy, maintenance file, hooks; checks and routes are delegated.
#include <algorithm>
#include <cctype>
#include <set>

#include "sidecar/config/config_sections.hpp"

namespace sidecar::config_detail {
namespace {

bool valid_service_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char ch) {
                       return std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
                     }) &&
         name != "." && name != "..";
}

// Timing: each bound is checked once, on values that passed their own range, so one mistake is
// one message, stating the rule as it is.
void parse_timing(Checker& c, const json& s, const std::string& path, ServiceConfig* out) {
  bool interval_ok = c.millis(s, "interval_ms", path, &out->interval, 10, 3600000);
  bool fast_ok = c.millis(s, "fast_interval_ms", path, &out->fast_interval, 10, 3600000);
  bool timeout_ok = c.millis(s, "timeout_ms", path, &out->timeout, 10, 60000);
  bool confirm_ok = c.millis(s, "confirm_interval_ms", path, &out->confirm_interval, 1, 3600000);
  c.millis(s, "hold_down_ms", path, &out->hold_down, 0, 3600000);
  c.millis(s, "hook_timeout_ms", path, &out->hook_timeout, 10, 600000);
  if (auto v = c.integer(s, "rise", path, 1, 100)) out->rise = static_cast<int>(*v);
  if (auto v = c.integer(s, "fall", path, 1, 100)) out->fall = static_cast<int>(*v);
  if (auto v = c.integer(s, "transitions_kept", path, 1, 1000)) out->transitions_kept = *v;
  if (interval_ok && timeout_ok && out->timeout >= out->interval) {
    c.add(Checker::join(path, "timeout_ms"),
          std::to_string(out->timeout.count()) + " must be shorter than interval_ms " +
              std::to_string(out->interval.count()) + " (a probe must end before the next one)");
  }
  if (interval_ok && fast_ok && out->fast_interval > out->interval) {
    c.add(Checker::join(path, "fast_interval_ms"), std::to_string(out->fast_interval.count()) +
                                                       " must not be longer than interval_ms " +
                                                       std::to_string(out->interval.count()));
  }
  // The default (20 ms) follows a shorter fast_interval_ms down; a given value must not exceed it
  // (equal turns fast confirmation off).
  if (!s.contains("confirm_interval_ms")) {
    out->confirm_interval = std::min(out->confirm_interval, out->fast_interval);
  } else if (confirm_ok && fast_ok && out->confirm_interval > out->fast_interval) {
    c.add(Checker::join(path, "confirm_interval_ms"),
          std::to_string(out->confirm_interval.count()) +
              " must not be longer than fast_interval_ms " +
              std::to_string(out->fast_interval.count()) +
              " (equal to it turns fast confirmation of a refused connection off)");
  }
}

void parse_policy(Checker& c, const json& s, const std::string& path, ServiceConfig* out) {
  auto pol = s.find("policy");
  if (pol == s.end()) return;
  auto p = Checker::join(path, "policy");
  if (pol->is_string() && pol->get<std::string>() == "all") {
    out->policy = {Policy::Kind::all, 0};
  } else if (pol->is_string() && pol->get<std::string>() == "any") {
    out->policy = {Policy::Kind::any, 0};
  } else if (pol->is_object() && pol->size() == 1 && pol->contains("quorum")) {
    auto n = c.integer(*pol, "quorum", p, 1, 1000);
    if (n) {
      out->policy = {Policy::Kind::quorum, static_cast<int>(*n)};
      if (*n > static_cast<std::int64_t>(out->checks.size()) && !out->checks.empty()) {
        c.add(Checker::join(p, "quorum"), std::to_string(*n) + " is more than the " +
                                              std::to_string(out->checks.size()) + " checks");
      }
    }
  } else {
    c.add(p, "must be \"all\", \"any\" or {\"quorum\": N}");
  }
}

void parse_checks(Checker& c, const json& s, const std::string& path, ServiceConfig* out) {
  const auto* checks = c.array(s, "checks", path);
  if (!checks && !s.contains("checks")) c.add(Checker::join(path, "checks"), "is required");
  if (!checks) return;
  if (checks->empty()) c.add(Checker::join(path, "checks"), "needs at least one check");
  std::set<std::string> names;
  for (std::size_t i = 0; i < checks->size(); ++i) {
    CheckConfig ch;
    auto p = Checker::index(path, "checks", i);
    parse_check(c, (*checks)[i], p, i, &ch);
    ch.dns.timeout = out->timeout;
    ch.exec.timeout = out->timeout;
    if (!names.insert(ch.name).second) {
      c.add(Checker::join(p, "name"), "\"" + ch.name + "\" is already used in this service");
    }
    out->checks.push_back(std::move(ch));
  }
}

}  // namespace

std::string folder_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The policy counts only the checks with on_failure "down": at least one is needed, and a quorum
// is checked against their number.
static void validate_degrade_checks(Checker& c, const json& s, const std::string& path,
                                    const ServiceConfig& svc) {
  std::size_t down = 0;
  for (const auto& ch : svc.checks) {
    if (ch.on_failure == CheckConfig::OnFailure::down) ++down;
  }
  if (svc.checks.empty()) return;
  if (down == 0) {
    c.add(Checker::join(path, "checks"),
          "every check has on_failure \"degrade\": at least one must be \"down\" (the policy "
          "over the down checks decides whether the service is up at all)");
    return;
  }
  if (svc.policy.kind == Policy::Kind::quorum && svc.policy.quorum > static_cast<int>(down) &&
      down < svc.checks.size() && s.contains("policy")) {
    c.add(Checker::join(Checker::join(path, "policy"), "quorum"),
          std::to_string(svc.policy.quorum) + " is more than the " + std::to_string(down) +
              " checks with on_failure \"down\" (degrade checks do not count in the policy)");
  }
}

void parse_service(Checker& c, const json& s, const std::string& path, const Config& config,
                   ServiceConfig* out) {
  if (!s.is_object()) {
    c.add(path, "must be an object");
    return;
  }
  c.known_keys(s, path,
               {"name", "interval_ms", "fast_interval_ms", "confirm_interval_ms", "timeout_ms",
                "rise", "fall", "policy", "maintenance_file", "checks", "hooks", "routes",
                "hold_down_ms", "hook_timeout_ms", "transitions_kept"});
  if (c.string(s, "name", path, &out->name)) {
    if (!valid_service_name(out->name)) {
      c.add(Checker::join(path, "name"), "\"" + out->name +
                                             "\" must be 1-64 characters of A-Z a-z 0-9 _ - . "
                                             "(it names files and metric labels)");
    }
  } else if (!s.contains("name")) {
    c.add(Checker::join(path, "name"), "is required (e.g. \"resolver\")");
  }
  parse_timing(c, s, path, out);
  out->maintenance_file = folder_of(config.status_file) + "/" + out->name + ".maintenance";
  c.string(s, "maintenance_file", path, &out->maintenance_file);
  parse_checks(c, s, path, out);
  parse_policy(c, s, path, out);

  if (auto* hooks = c.object(s, "hooks", path)) {
    auto hp = Checker::join(path, "hooks");
    c.known_keys(*hooks, hp, {"on_up", "on_down", "on_disabled", "on_degraded"});
    c.argv(*hooks, "on_up", hp, &out->hooks.on_up, true);
    c.argv(*hooks, "on_down", hp, &out->hooks.on_down, true);
    c.argv(*hooks, "on_disabled", hp, &out->hooks.on_disabled, true);
    c.argv(*hooks, "on_degraded", hp, &out->hooks.on_degraded, true);
  }

  const auto* routes = c.array(s, "routes", path);
  if (!routes && !s.contains("routes")) c.add(Checker::join(path, "routes"), "is required");
  if (routes) {
    if (routes->empty()) c.add(Checker::join(path, "routes"), "needs at least one route");
    for (std::size_t i = 0; i < routes->size(); ++i) {
      RouteConfig rc;
      parse_route(c, (*routes)[i], Checker::index(path, "routes", i), &rc);
      out->routes.push_back(std::move(rc));
    }
  }
  validate_degrade_checks(c, s, path, *out);
}

}  // namespace sidecar::config_detail
