// Configuration loading and validation. Every problem is collected (not just the first) and named
// by its JSON field path, so one check-config run tells the operator everything to fix.
#include "sidecar/config.hpp"
#include "exabgp-bridge/printable.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

namespace sidecar {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using bridge::printable;

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::string:
      return "a string";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

class Checker {
 public:
  std::vector<std::string> problems;

  void add(const std::string& path, const std::string& message) {
    // Values from the file are quoted in messages (names, prefixes): one printable line each.
    if (problems.size() < 200) problems.push_back(printable(path + ": " + message, 1000));
  }

  // Reports keys we do not know, with a suggestion when one is close (typos are the usual case).
  void known_keys(const json& obj, const std::string& path,
                  std::initializer_list<std::string_view> keys) {
    for (const auto& [k, v] : obj.items()) {
      if (std::find(keys.begin(), keys.end(), k) != keys.end()) continue;
      std::string best;
      std::size_t best_d = 3;
      for (auto known : keys) {
        auto d = edit_distance(k, known);
        if (d < best_d) {
          best_d = d;
          best = std::string(known);
        }
      }
      add(join(path, printable(k, 64)), "unknown key" + (best.empty() ? std::string(" (remove it)")
                                                       : " (did you mean \"" + best + "\"?)"));
    }
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }

  std::optional<std::int64_t> integer(const json& obj, std::string_view key,
                                      const std::string& path, std::int64_t min, std::int64_t max) {
    auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    auto p = join(path, key);
    if (!it->is_number_integer() && !it->is_number_unsigned()) {
      add(p, "must be a whole number, not " + type_name(*it));
      return std::nullopt;
    }
    auto v = it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX
                 ? INT64_MAX
                 : it->get<std::int64_t>();
    if (v < min || v > max) {
      add(p, std::to_string(v) + " is out of range (" + std::to_string(min) + " to " +
                 std::to_string(max) + ")");
      return std::nullopt;
    }
    return v;
  }

  void millis(const json& obj, std::string_view key, const std::string& path, milliseconds* out,
              std::int64_t min, std::int64_t max) {
    if (auto v = integer(obj, key, path, min, max)) *out = milliseconds(*v);
  }

  void boolean(const json& obj, std::string_view key, const std::string& path, bool* out) {
    auto it = obj.find(key);
    if (it == obj.end()) return;
    if (!it->is_boolean()) {
      add(join(path, key), "must be true or false, not " + type_name(*it));
      return;
    }
    *out = it->get<bool>();
  }

  bool string(const json& obj, std::string_view key, const std::string& path, std::string* out,
              bool allow_empty = false) {
    auto it = obj.find(key);
    if (it == obj.end()) return false;
    if (!it->is_string()) {
      add(join(path, key), "must be a string, not " + type_name(*it));
      return false;
    }
    auto s = it->get<std::string>();
    if (!allow_empty && s.empty()) {
      add(join(path, key), "must not be empty");
      return false;
    }
    if (s.find_first_of(std::string("\n\r\0", 3)) != std::string::npos) {
      add(join(path, key), "must not contain line breaks or NUL");
      return false;
    }
    *out = std::move(s);
    return true;
  }

  const json* object(const json& obj, std::string_view key, const std::string& path) {
    auto it = obj.find(key);
    if (it == obj.end()) return nullptr;
    if (!it->is_object()) {
      add(join(path, key), "must be an object, not " + type_name(*it));
      return nullptr;
    }
    return &*it;
  }

  const json* array(const json& obj, std::string_view key, const std::string& path) {
    auto it = obj.find(key);
    if (it == obj.end()) return nullptr;
    if (!it->is_array()) {
      add(join(path, key), "must be an array, not " + type_name(*it));
      return nullptr;
    }
    return &*it;
  }

  // An argv: a non-empty array of non-empty strings (no shell is ever involved).
  bool argv(const json& obj, std::string_view key, const std::string& path,
            std::vector<std::string>* out, bool allow_empty) {
    auto* arr = array(obj, key, path);
    if (!arr) return false;
    auto p = join(path, key);
    if (arr->empty()) {
      if (!allow_empty)
        add(p, "must name a program and its arguments, e.g. [\"unbound-control\", \"status\"]");
      return allow_empty;
    }
    std::vector<std::string> v;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto& e = (*arr)[i];
      if (!e.is_string() || e.get<std::string>().empty() ||
          e.get<std::string>().find('\0') != std::string::npos) {
        add(p + "[" + std::to_string(i) + "]", "must be a non-empty string");
        return false;
      }
      v.push_back(e.get<std::string>());
    }
    *out = std::move(v);
    return true;
  }
};

// Degraded (issue 13) helpers, defined in their own block below.
void parse_check_degraded(Checker& c, const json& j, const std::string& path, CheckConfig* out);
void parse_route_degraded(Checker& c, const json& r, const std::string& path, RouteConfig* out);
void validate_service_degraded(Checker& c, const json& s, const std::string& path,
                               const ServiceConfig& svc);

void parse_attributes(Checker& c, const json& a, const std::string& path, bridge::Attributes* out) {
  c.known_keys(a, path, {"med", "local_preference", "community", "large_community", "as_path"});
  if (auto v = c.integer(a, "med", path, 0, 4294967295LL))
    out->med = static_cast<std::uint32_t>(*v);
  if (auto v = c.integer(a, "local_preference", path, 0, 4294967295LL)) {
    out->local_preference = static_cast<std::uint32_t>(*v);
  }
  auto strings = [&](std::string_view key, bool (*valid)(std::string_view, std::string*),
                     std::vector<std::string>* dst) {
    auto* arr = c.array(a, key, path);
    if (!arr) return;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      auto p = Checker::join(path, key) + "[" + std::to_string(i) + "]";
      const auto& e = (*arr)[i];
      std::string err;
      if (!e.is_string()) {
        c.add(p, "must be a string, not " + type_name(e));
      } else if (!valid(e.get<std::string>(), &err)) {
        c.add(p, err);
      } else {
        dst->push_back(e.get<std::string>());
      }
    }
  };
  strings("community", &bridge::valid_community, &out->community);
  strings("large_community", &bridge::valid_large_community, &out->large_community);
  if (auto* arr = c.array(a, "as_path", path)) {
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const auto& e = (*arr)[i];
      auto p = Checker::join(path, "as_path") + "[" + std::to_string(i) + "]";
      if (!e.is_number_unsigned() || e.get<std::uint64_t>() > 4294967295ULL) {
        c.add(p, "must be an AS number (0 to 4294967295)");
      } else {
        out->as_path.push_back(static_cast<std::uint32_t>(e.get<std::uint64_t>()));
      }
    }
  }
}

void parse_action(Checker& c, const json& route, std::string_view key, const std::string& path,
                  RouteAction* out) {
  auto it = route.find(key);
  if (it == route.end()) return;
  auto p = Checker::join(path, key);
  if (it->is_string() && it->get<std::string>() == "withdraw") {
    *out = Withdraw{};
  } else if (it->is_object()) {
    bridge::Attributes attrs;
    parse_attributes(c, *it, p, &attrs);
    *out = attrs;
  } else {
    c.add(p,
          "must be \"withdraw\" or an object of attributes to announce with instead "
          "(e.g. {\"med\": 1000})");
  }
}

void parse_route(Checker& c, const json& r, const std::string& path, RouteConfig* out) {
  if (!r.is_object()) {
    c.add(path, "must be an object with at least \"prefix\"");
    return;
  }
  c.known_keys(r, path,
               {"prefix", "next_hop", "neighbors", "attributes", "when_down", "when_disabled",
                "when_degraded"});
  std::string prefix;
  if (c.string(r, "prefix", path, &prefix)) {
    std::string err;
    if (auto p = bridge::parse_prefix(prefix, &err)) {
      out->route.prefix = *p;
    } else {
      c.add(Checker::join(path, "prefix"), err);
    }
  } else if (!r.contains("prefix")) {
    c.add(Checker::join(path, "prefix"), "is required (e.g. \"192.0.2.53/32\")");
  }
  std::string next_hop = "self";
  if (c.string(r, "next_hop", path, &next_hop)) {
    std::string err;
    if (auto nh = bridge::parse_next_hop(next_hop, &err)) {
      out->route.next_hop = *nh;
    } else {
      c.add(Checker::join(path, "next_hop"), err);
    }
  }
  if (auto* arr = c.array(r, "neighbors", path)) {
    for (std::size_t i = 0; i < arr->size(); ++i) {
      auto p = Checker::join(path, "neighbors") + "[" + std::to_string(i) + "]";
      std::string err;
      if (!(*arr)[i].is_string()) {
        c.add(p, "must be a string");
      } else if (auto a = bridge::parse_address((*arr)[i].get<std::string>(), &err)) {
        out->route.neighbors.push_back(*a);
      } else {
        c.add(p, err);
      }
    }
  }
  if (auto* a = c.object(r, "attributes", path)) {
    parse_attributes(c, *a, Checker::join(path, "attributes"), &out->attributes);
  }
  parse_action(c, r, "when_down", path, &out->when_down);
  parse_action(c, r, "when_disabled", path, &out->when_disabled);
  parse_route_degraded(c, r, path, out);  // degraded (issue 13)
}

void parse_check(Checker& c, const json& j, const std::string& path, std::size_t index,
                 CheckConfig* out) {
  if (!j.is_object()) {
    c.add(path, "must be an object");
    return;
  }
  std::string type = "dns";
  c.string(j, "type", path, &type);
  if (type == "exec") {
    out->type = CheckConfig::Type::exec;
    c.known_keys(j, path, {"name", "type", "command", "on_failure"});
    if (!j.contains("command")) {
      c.add(Checker::join(path, "command"),
            "is required for an exec check (e.g. [\"unbound-control\", \"status\"])");
    }
    c.argv(j, "command", path, &out->exec.argv, false);
  } else if (type == "dns") {
    out->type = CheckConfig::Type::dns;
    c.known_keys(
        j, path,
        {"name", "type", "server", "port", "qname", "qtype", "transport", "expect", "on_failure"});
    std::string server = "127.0.0.1";
    if (c.string(j, "server", path, &server)) {
      std::string err;
      if (auto a = bridge::parse_address(server, &err)) {
        out->dns.server = *a;
      } else {
        c.add(Checker::join(path, "server"), err + " (a check queries one resolver address)");
      }
    }
    if (auto v = c.integer(j, "port", path, 1, 65535))
      out->dns.port = static_cast<std::uint16_t>(*v);
    if (!c.string(j, "qname", path, &out->dns.qname) && !j.contains("qname")) {
      c.add(Checker::join(path, "qname"), "is required (e.g. \"probe.health.example.\")");
    }
    if (out->dns.qname.size() > 253 + 1)
      c.add(Checker::join(path, "qname"), "is longer than 254 characters");
    std::string qtype = "A";
    if (c.string(j, "qtype", path, &qtype)) {
      if (auto t = probes::qtype_from_string(qtype)) {
        out->dns.qtype = *t;
      } else {
        c.add(Checker::join(path, "qtype"),
              "unknown type \"" + qtype + "\" (one of A AAAA SOA NS TXT PTR CNAME MX SRV ...)");
      }
    }
    std::string transport = "udp";
    if (c.string(j, "transport", path, &transport)) {
      if (transport == "udp") {
        out->dns.transport = probes::Transport::udp;
      } else if (transport == "tcp") {
        out->dns.transport = probes::Transport::tcp;
      } else {
        c.add(Checker::join(path, "transport"),
              "must be \"udp\" or \"tcp\", not \"" + transport + "\"");
      }
    }
    if (auto* e = c.object(j, "expect", path)) {
      auto ep = Checker::join(path, "expect");
      c.known_keys(*e, ep, {"rcode", "answers", "max_rtt_ms"});
      std::string rcode;
      if (c.string(*e, "rcode", ep, &rcode)) {
        if (auto r = probes::rcode_from_string(rcode)) {
          out->dns.expect.rcode = *r;
        } else {
          c.add(Checker::join(ep, "rcode"),
                "unknown rcode \"" + rcode + "\" (NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...)");
        }
      }
      if (auto* arr = c.array(*e, "answers", ep)) {
        for (std::size_t i = 0; i < arr->size(); ++i) {
          if (!(*arr)[i].is_string() || (*arr)[i].get<std::string>().empty()) {
            c.add(Checker::join(ep, "answers") + "[" + std::to_string(i) + "]",
                  "must be a non-empty string (an address or record text)");
          } else {
            out->dns.expect.answers.push_back((*arr)[i].get<std::string>());
          }
        }
      }
    }
  } else {
    c.add(Checker::join(path, "type"), "must be \"dns\" or \"exec\", not \"" + type + "\"");
  }
  parse_check_degraded(c, j, path, out);  // degraded (issue 13)
  // Default names are "dns-<i>" / "exec-<i>" (i: the index in checks[]): short and stable, since
  // they label metrics and status lines, and unique by construction unless a named check collides.
  if (!c.string(j, "name", path, &out->name)) {
    if (out->type == CheckConfig::Type::dns) {
      out->name = "dns-" + std::to_string(index);
    } else {
      out->name = "exec-" + std::to_string(index);
    }
  }
}

// ---- degraded (issue 13): checks[].on_failure, checks[].expect.max_rtt_ms,
// routes[].when_degraded, and the service-level rules they imply. Kept together so the loader
// can be reorganised without touching them.

void parse_check_degraded(Checker& c, const json& j, const std::string& path, CheckConfig* out) {
  std::string on_failure = "down";
  if (c.string(j, "on_failure", path, &on_failure)) {
    if (on_failure == "down") {
      out->on_failure = CheckConfig::OnFailure::down;
    } else if (on_failure == "degrade") {
      out->on_failure = CheckConfig::OnFailure::degrade;
    } else {
      c.add(Checker::join(path, "on_failure"),
            "must be \"down\" (the check counts in the policy) or \"degrade\" (a failure only "
            "worsens the announcement), not \"" +
                on_failure + "\"");
    }
  }
  if (out->type != CheckConfig::Type::dns) return;
  auto e = j.find("expect");
  if (e == j.end() || !e->is_object()) return;
  auto ep = Checker::join(path, "expect");
  if (auto v = c.integer(*e, "max_rtt_ms", ep, 1, 60000)) {
    out->dns.expect.max_rtt = milliseconds(*v);
  }
}

void parse_route_degraded(Checker& c, const json& r, const std::string& path, RouteConfig* out) {
  out->when_degraded = default_when_degraded(out->attributes);
  if (auto* a = c.object(r, "when_degraded", path)) {
    // Like when_down's object form: the attributes replace the route's own, whole.
    bridge::Attributes attrs;
    parse_attributes(c, *a, Checker::join(path, "when_degraded"), &attrs);
    out->when_degraded = attrs;
  }
}

void validate_service_degraded(Checker& c, const json& s, const std::string& path,
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
  // The policy counts only the down checks, so a quorum is checked against their number.
  if (svc.policy.kind == Policy::Kind::quorum && svc.policy.quorum > static_cast<int>(down) &&
      down < svc.checks.size() && s.contains("policy")) {
    c.add(Checker::join(Checker::join(path, "policy"), "quorum"),
          std::to_string(svc.policy.quorum) + " is more than the " + std::to_string(down) +
              " checks with on_failure \"down\" (degrade checks do not count in the policy)");
  }
}

// ---- end degraded

bool valid_service_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  return std::all_of(name.begin(), name.end(),
                     [](unsigned char ch) {
                       return std::isalnum(ch) || ch == '_' || ch == '-' || ch == '.';
                     }) &&
         name != "." && name != "..";
}

std::string folder_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

void parse_service(Checker& c, const json& s, const std::string& path, const Config& config,
                   ServiceConfig* out) {
  if (!s.is_object()) {
    c.add(path, "must be an object");
    return;
  }
  c.known_keys(s, path,
               {"name", "interval_ms", "fast_interval_ms", "timeout_ms", "rise", "fall", "policy",
                "maintenance_file", "checks", "hooks", "routes", "hold_down_ms", "hook_timeout_ms",
                "transitions_kept"});
  if (c.string(s, "name", path, &out->name)) {
    if (!valid_service_name(out->name)) {
      c.add(Checker::join(path, "name"), "\"" + out->name +
                                             "\" must be 1-64 characters of A-Z a-z 0-9 _ - . "
                                             "(it names files and metric labels)");
    }
  } else if (!s.contains("name")) {
    c.add(Checker::join(path, "name"), "is required (e.g. \"resolver\")");
  }
  c.millis(s, "interval_ms", path, &out->interval, 10, 3600000);
  c.millis(s, "fast_interval_ms", path, &out->fast_interval, 10, 3600000);
  c.millis(s, "timeout_ms", path, &out->timeout, 10, 60000);
  c.millis(s, "hold_down_ms", path, &out->hold_down, 0, 3600000);
  c.millis(s, "hook_timeout_ms", path, &out->hook_timeout, 10, 600000);
  if (auto v = c.integer(s, "rise", path, 1, 100)) out->rise = static_cast<int>(*v);
  if (auto v = c.integer(s, "fall", path, 1, 100)) out->fall = static_cast<int>(*v);
  if (auto v = c.integer(s, "transitions_kept", path, 1, 1000)) out->transitions_kept = *v;
  if (out->timeout >= out->interval) {
    c.add(Checker::join(path, "timeout_ms"),
          std::to_string(out->timeout.count()) + " is longer than interval_ms " +
              std::to_string(out->interval.count()) + " (a probe must end before the next one)");
  }
  if (out->fast_interval > out->interval) {
    c.add(Checker::join(path, "fast_interval_ms"), std::to_string(out->fast_interval.count()) +
                                                       " is longer than interval_ms " +
                                                       std::to_string(out->interval.count()));
  }
  out->maintenance_file = folder_of(config.status_file) + "/" + out->name + ".maintenance";
  c.string(s, "maintenance_file", path, &out->maintenance_file);

  const auto* checks = c.array(s, "checks", path);
  if (!checks && !s.contains("checks")) c.add(Checker::join(path, "checks"), "is required");
  if (checks) {
    if (checks->empty()) c.add(Checker::join(path, "checks"), "needs at least one check");
    std::set<std::string> names;
    for (std::size_t i = 0; i < checks->size(); ++i) {
      CheckConfig ch;
      auto p = Checker::join(path, "checks") + "[" + std::to_string(i) + "]";
      parse_check(c, (*checks)[i], p, i, &ch);
      ch.dns.timeout = out->timeout;
      ch.exec.timeout = out->timeout;
      if (!names.insert(ch.name).second) {
        c.add(Checker::join(p, "name"), "\"" + ch.name + "\" is already used in this service");
      }
      out->checks.push_back(std::move(ch));
    }
  }

  auto pol = s.find("policy");
  if (pol != s.end()) {
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

  if (auto* hooks = c.object(s, "hooks", path)) {
    auto hp = Checker::join(path, "hooks");
    c.known_keys(*hooks, hp, {"on_up", "on_down", "on_disabled", "on_degraded"});
    c.argv(*hooks, "on_up", hp, &out->hooks.on_up, true);
    c.argv(*hooks, "on_down", hp, &out->hooks.on_down, true);
    c.argv(*hooks, "on_disabled", hp, &out->hooks.on_disabled, true);
    c.argv(*hooks, "on_degraded", hp, &out->hooks.on_degraded, true);  // degraded (issue 13)
  }

  const auto* routes = c.array(s, "routes", path);
  if (!routes && !s.contains("routes")) c.add(Checker::join(path, "routes"), "is required");
  if (routes) {
    if (routes->empty()) c.add(Checker::join(path, "routes"), "needs at least one route");
    for (std::size_t i = 0; i < routes->size(); ++i) {
      RouteConfig rc;
      parse_route(c, (*routes)[i], Checker::join(path, "routes") + "[" + std::to_string(i) + "]",
                  &rc);
      out->routes.push_back(std::move(rc));
    }
  }
  validate_service_degraded(c, s, path, *out);  // degraded (issue 13)
}

}  // namespace

ConfigResult parse_config(std::string_view text) {
  ConfigResult result;
  Checker c;
  // ignore_comments: the contract allows // and /* */ comments.
  auto root = json::parse(text.begin(), text.end(), nullptr, false, true);
  if (root.is_discarded()) {
    // Re-parse with exceptions to learn where: nlohmann reports line and column.
    try {
      auto again = json::parse(text.begin(), text.end(), nullptr, true, true);
      result.problems.push_back("(file): not valid JSON (" + type_name(again) + ")");
    } catch (const json::parse_error& e) {
      // The position is computed here from the byte offset so the message does not depend on
      // the wording of nlohmann's what().
      std::size_t line = 1, column = 1;
      for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
        if (text[i] == '\n') {
          ++line;
          column = 1;
        } else {
          ++column;
        }
      }
      std::string what = e.what();
      auto pos = what.find("syntax error");
      result.problems.push_back("(file): not valid JSON at line " + std::to_string(line) +
                                ", column " + std::to_string(column) + ": " +
                                printable(pos == std::string::npos ? what : what.substr(pos), 300));
    } catch (const json::exception& e) {
      // Not a syntax error: a number too large for a double (1e400) is reported as out_of_range.
      result.problems.push_back(std::string("(file): not valid JSON: ") +
                                (e.id == 406 ? "a number is too large" : "unreadable value"));
    }
    return result;
  }
  if (!root.is_object()) {
    result.problems.push_back("(file): must be a JSON object, not " + type_name(root));
    return result;
  }
  Config config;
  c.known_keys(root, "", {"status_file", "metrics_file", "exabgp", "services", "log_level"});
  c.string(root, "status_file", "", &config.status_file);
  c.string(root, "metrics_file", "", &config.metrics_file, true);
  if (c.string(root, "log_level", "", &config.log_level)) {
    static const std::set<std::string> levels = {"debug", "info", "notice", "warning", "error"};
    if (!levels.count(config.log_level)) {
      c.add("log_level", "must be one of debug, info, notice, warning, error");
    }
  }
  if (auto* e = c.object(root, "exabgp", "")) {
    c.known_keys(*e, "exabgp", {"ack", "ack_timeout_ms", "ping_interval_ms", "refresh_ms"});
    c.boolean(*e, "ack", "exabgp", &config.exabgp.ack);
    c.millis(*e, "ack_timeout_ms", "exabgp", &config.exabgp.ack_timeout, 100, 600000);
    c.millis(*e, "ping_interval_ms", "exabgp", &config.exabgp.ping_interval, 100, 3600000);
    c.millis(*e, "refresh_ms", "exabgp", &config.exabgp.refresh, 0, 86400000);
  }
  const auto* services = c.array(root, "services", "");
  if (!services || services->empty()) {
    if (!services && root.contains("services")) {
      // type problem already reported
    } else {
      c.add("services", "at least one service is needed");
    }
  } else {
    std::map<std::string, std::string> route_owner;
    for (std::size_t i = 0; i < services->size(); ++i) {
      ServiceConfig svc;
      auto path = "services[" + std::to_string(i) + "]";
      parse_service(c, (*services)[i], path, config, &svc);
      for (std::size_t j = 0; j < config.services.size(); ++j) {
        if (!svc.name.empty() && config.services[j].name == svc.name) {
          c.add(path + ".name",
                "\"" + svc.name + "\" is already used by services[" + std::to_string(j) + "]");
        }
      }
      for (std::size_t r = 0; r < svc.routes.size(); ++r) {
        if (svc.routes[r].route.prefix.text.empty()) continue;
        auto key = bridge::route_key(svc.routes[r].route);
        auto rpath = path + ".routes[" + std::to_string(r) + "]";
        auto [it, fresh] = route_owner.emplace(key, rpath);
        if (!fresh) {
          c.add(rpath + ".prefix", svc.routes[r].route.prefix.text + " is already announced by " +
                                       it->second + " (one owner per route)");
        }
      }
      config.services.push_back(std::move(svc));
    }
  }
  result.problems = std::move(c.problems);
  if (result.problems.empty()) result.config = std::move(config);
  return result;
}

ConfigResult load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigResult r;
    r.problems.push_back(path + ": cannot read: " + std::strerror(errno) +
                         " (check the path and that this user may read it)");
    return r;
  }
  // Configurations are small; a huge file is a mistake, not something to load whole. Read in
  // chunks: a 4 MiB buffer filled up front would stay resident after every reload.
  constexpr std::size_t kMax = 4 * 1024 * 1024;
  std::string text;
  char chunk[16384];
  while (text.size() <= kMax && in.read(chunk, sizeof chunk).gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
  }
  if (text.size() > kMax) {
    ConfigResult r;
    r.problems.push_back(path + ": larger than 4 MiB: is this really the configuration?");
    return r;
  }
  return parse_config(text);
}

bridge::Attributes default_when_degraded(const bridge::Attributes& attributes) {
  bridge::Attributes out = attributes;
  constexpr std::uint64_t kRaise = 1000, kMax = 4294967295ULL;
  out.med = static_cast<std::uint32_t>(
      attributes.med ? std::min<std::uint64_t>(kMax, std::uint64_t{*attributes.med} + kRaise)
                     : kRaise);
  return out;
}

std::chrono::milliseconds longest_interval(const Config& config) {
  milliseconds longest{0};
  for (const auto& s : config.services) longest = std::max(longest, s.interval);
  return longest;
}

}  // namespace sidecar
