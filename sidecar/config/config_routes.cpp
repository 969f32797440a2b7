// Rules of services[i].routes[j]: prefix, next-hop, neighbors and BGP attributes.
#include <algorithm>

#include "sidecar/config/config_sections.hpp"

namespace sidecar::config_detail {

namespace {

// An IPv6 prefix needs an IPv6 next hop. ExaBGP's `self` is the local address of the session the
// route goes out on: on an IPv4 session the router received 0.0.0.0 (or ::ffff:a.b.c.d) while
// `status` said announced. The configuration cannot see the sessions (they are in exabgp.conf),
// so the rule is: `self` for an IPv6 prefix only when `neighbors` names IPv6 peers only.
std::string next_hop_family_problem(const bridge::Route& route) {
  if (!route.prefix.ipv6) return {};
  const bool self = route.next_hop.text == "self";
  if (!self) {
    if (route.next_hop.text.find(':') != std::string::npos) return {};
    return route.next_hop.text + " is an IPv4 next hop for the IPv6 prefix " + route.prefix.text +
           ": give an IPv6 address of this node";
  }
  const bool v6_peers_only =
      !route.neighbors.empty() &&
      std::all_of(route.neighbors.begin(), route.neighbors.end(),
                  [](const std::string& n) { return n.find(':') != std::string::npos; });
  if (v6_peers_only) return {};
  return "\"self\" for the IPv6 prefix " + route.prefix.text +
         " is this node's address on an IPv4 session (the router gets no usable next hop): give "
         "this node's IPv6 address (e.g. \"2001:db8::10\"), or scope the route to IPv6 "
         "neighbors";
}

}  // namespace
namespace {

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
      auto p = Checker::index(path, key, i);
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
      auto p = Checker::index(path, "as_path", i);
      // AS 0 is reserved (RFC 7607): a route carrying it is dropped by the peer, so refuse it
      // here instead of announcing something no router accepts.
      if (!e.is_number_unsigned() || e.get<std::uint64_t>() > 4294967295ULL ||
          e.get<std::uint64_t>() == 0) {
        c.add(p, "must be an AS number (1 to 4294967295; AS 0 is reserved, RFC 7607)");
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

// when_disabled and drain_ms. "drain" is RFC 8326's drain with the route's own attributes
// (drain_attributes) for drain_ms (default kDefaultDrain); attributes with drain_ms announce those
// for drain_ms, then withdraw; attributes alone hold while the service is disabled.
void parse_disabled(Checker& c, const json& r, const std::string& path, RouteConfig* out) {
  auto it = r.find("when_disabled");
  const bool drain = it != r.end() && it->is_string() && it->get<std::string>() == "drain";
  if (drain) {
    out->when_disabled = drain_attributes(out->attributes);
    out->drain = kDefaultDrain;
  } else if (it != r.end() && !it->is_object() &&
             !(it->is_string() && it->get<std::string>() == "withdraw")) {
    c.add(Checker::join(path, "when_disabled"),
          "must be \"withdraw\", \"drain\" (RFC 8326: announce with GRACEFUL_SHUTDOWN for "
          "drain_ms, then withdraw) or an object of attributes to announce with instead (e.g. "
          "{\"med\": 1000})");
    return;
  } else {
    parse_action(c, r, "when_disabled", path, &out->when_disabled);
  }
  if (!c.millis(r, "drain_ms", path, &out->drain, 0, 600000)) return;
  if (std::holds_alternative<Withdraw>(out->when_disabled) && out->drain.count() > 0) {
    c.add(Checker::join(path, "drain_ms"),
          "needs \"when_disabled\": \"drain\" (or attributes): a route withdrawn at once has "
          "nothing to drain");
  }
}

}  // namespace

void parse_route(Checker& c, const json& r, const std::string& path, RouteConfig* out) {
  if (!r.is_object()) {
    c.add(path, "must be an object with at least \"prefix\"");
    return;
  }
  c.known_keys(r, path,
               {"prefix", "next_hop", "neighbors", "attributes", "when_down", "when_disabled",
                "when_degraded", "drain_ms"});
  std::string prefix;
  if (c.string(r, "prefix", path, &prefix)) {
    std::string err;
    if (auto p = bridge::parse_prefix(prefix, &err)) {
      // A default route from a health checker would attract all traffic of the peer's table to
      // this resolver: never what an anycast service means.
      if (p->text.size() >= 2 && p->text.compare(p->text.size() - 2, 2, "/0") == 0) {
        c.add(Checker::join(path, "prefix"),
              p->text + " is a default route: announce the service address (e.g. /32 or /128)");
      } else {
        out->route.prefix = *p;
      }
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
      auto p = Checker::index(path, "neighbors", i);
      std::string err;
      if (!(*arr)[i].is_string()) {
        c.add(p, "must be a string");
      } else if (auto a = bridge::parse_address((*arr)[i].get<std::string>(), &err)) {
        auto& ns = out->route.neighbors;
        if (std::find(ns.begin(), ns.end(), *a) != ns.end()) {
          c.add(p, *a + " is listed twice");
        } else {
          ns.push_back(*a);
        }
      } else {
        c.add(p, err);
      }
    }
  }
  // One route, one identity (route_key): kept in canonical order from here on.
  out->route.neighbors = bridge::canonical_neighbors(std::move(out->route.neighbors));
  if (auto* a = c.object(r, "attributes", path)) {
    parse_attributes(c, *a, Checker::join(path, "attributes"), &out->attributes);
  }
  if (auto problem = next_hop_family_problem(out->route); !problem.empty()) {
    c.add(Checker::join(path, "next_hop"), problem);
  }
  parse_action(c, r, "when_down", path, &out->when_down);
  parse_disabled(c, r, path, out);
  // when_degraded: the route's own attributes with a worse MED unless stated; like when_down's
  // object form, stated attributes replace the route's own, whole.
  out->when_degraded = default_when_degraded(out->attributes);
  if (auto* a = c.object(r, "when_degraded", path)) {
    bridge::Attributes attrs;
    parse_attributes(c, *a, Checker::join(path, "when_degraded"), &attrs);
    out->when_degraded = attrs;
  }
}

}  // namespace sidecar::config_detail
