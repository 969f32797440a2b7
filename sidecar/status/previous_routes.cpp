#include "sidecar/status/previous_routes.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

namespace sidecar {
namespace {

constexpr std::size_t kMaxRoutes = 4096;  // far above any real node; bounds a hostile file

std::optional<bridge::Route> route_from(const nlohmann::json& r) {
  if (!r.is_object()) return std::nullopt;
  auto desired = r.find("desired");
  if (desired == r.end() || !desired->is_string()) return std::nullopt;
  const auto& d = desired->get_ref<const std::string&>();
  if (d != "announce" && d != "announce-down" && d != "announce-degraded") return std::nullopt;
  auto prefix = r.find("prefix");
  if (prefix == r.end() || !prefix->is_string()) return std::nullopt;
  bridge::Route route;
  auto p = bridge::parse_prefix(prefix->get_ref<const std::string&>());
  if (!p) return std::nullopt;
  route.prefix = *p;
  if (auto nh = r.find("next_hop"); nh != r.end() && nh->is_string()) {
    auto parsed = bridge::parse_next_hop(nh->get_ref<const std::string&>());
    if (!parsed) return std::nullopt;
    route.next_hop = *parsed;
  }
  if (auto ns = r.find("neighbors"); ns != r.end()) {
    if (!ns->is_array()) return std::nullopt;
    for (const auto& n : *ns) {
      if (!n.is_string()) return std::nullopt;
      auto a = bridge::parse_address(n.get_ref<const std::string&>());
      if (!a) return std::nullopt;
      route.neighbors.push_back(*a);
    }
  }
  return route;
}

}  // namespace

std::vector<bridge::Route> announced_in_status(std::string_view text) {
  std::vector<bridge::Route> out;
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return out;
  auto services = doc.find("services");
  if (services == doc.end() || !services->is_array()) return out;
  std::set<std::string> seen;
  for (const auto& svc : *services) {
    if (!svc.is_object()) continue;
    auto routes = svc.find("routes");
    if (routes == svc.end() || !routes->is_array()) continue;
    for (const auto& r : *routes) {
      auto route = route_from(r);
      if (!route || !seen.insert(bridge::route_key(*route)).second) continue;
      out.push_back(std::move(*route));
      if (out.size() >= kMaxRoutes) return out;
    }
  }
  return out;
}

std::vector<NeighborView> neighbors_in_status(std::string_view text) {
  std::vector<NeighborView> out;
  auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return out;
  auto exabgp = doc.find("exabgp");
  if (exabgp == doc.end() || !exabgp->is_object()) return out;
  auto neighbors = exabgp->find("neighbors");
  if (neighbors == exabgp->end() || !neighbors->is_array()) return out;
  std::set<std::string> seen;
  for (const auto& n : *neighbors) {
    if (!n.is_object()) continue;
    auto peer = n.find("peer");
    auto state = n.find("state");
    if (peer == n.end() || !peer->is_string() || state == n.end() || !state->is_string()) continue;
    auto address = bridge::parse_address(peer->get_ref<const std::string&>());
    const auto& s = state->get_ref<const std::string&>();
    bool word = !s.empty() && s.size() <= 16 &&
                std::all_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
    if (!address || !word || !seen.insert(*address).second) continue;
    NeighborView v{*address, s, 0};
    if (auto since = n.find("since_unix"); since != n.end() && since->is_number()) {
      double t = since->get<double>();
      if (std::isfinite(t) && t >= 0 && t < 1e11) v.since_unix = t;
    }
    out.push_back(std::move(v));
    if (out.size() >= 256) break;
  }
  return out;
}

std::vector<bridge::Route> stale_routes(const std::vector<bridge::Route>& previous,
                                        const Config& config) {
  std::set<std::string> owned;
  for (const auto& s : config.services) {
    for (const auto& r : s.routes) owned.insert(bridge::route_key(r.route));
  }
  std::vector<bridge::Route> out;
  for (const auto& r : previous) {
    if (!owned.count(bridge::route_key(r))) out.push_back(r);
  }
  return out;
}

}  // namespace sidecar
