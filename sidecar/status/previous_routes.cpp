#include "sidecar/status/previous_routes.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "sidecar/lib/printable.hpp"
#include "sidecar/status/status_reader.hpp"

namespace sidecar {
namespace {

using json = nlohmann::json;

// A route of the file, or why not (never echoing more than a bounded, printable piece of it).
std::optional<bridge::Route> route_from(const json& r, std::string* why) {
  auto desired = string_at(r, "desired");
  if (!desired) {
    *why = "a route without a \"desired\" string";
    return std::nullopt;
  }
  if (*desired == "withdraw" && bool_at(r, "confirmed").value_or(false)) {
    return std::nullopt;  // withdrawn, and ExaBGP said so: nothing left to clean up
  }
  // Announced, or perhaps still: a withdraw not yet acknowledged when the instance died, or
  // "none" (a service that had not decided yet keeps what an earlier instance announced).
  if (*desired != "announce" && *desired != "announce-down" && *desired != "announce-degraded" &&
      *desired != "withdraw" && *desired != "none") {
    *why = "a route whose desired state is not one the daemon writes";
    return std::nullopt;
  }
  auto prefix_text = string_at(r, "prefix");
  auto prefix = prefix_text ? bridge::parse_prefix(*prefix_text) : std::nullopt;
  if (!prefix) {
    *why = "a route whose prefix is not one";
    return std::nullopt;
  }
  if (prefix->text.size() >= 2 && prefix->text.compare(prefix->text.size() - 2, 2, "/0") == 0) {
    *why = prefix->text + " is a default route, which no configuration may own";
    return std::nullopt;
  }
  bridge::Route route;
  route.prefix = *prefix;
  if (const json* nh = member(r, "next_hop")) {
    auto parsed =
        nh->is_string() ? bridge::parse_next_hop(nh->get_ref<const std::string&>()) : std::nullopt;
    if (!parsed) {
      *why = prefix->text + " has a next_hop that is not an address or \"self\"";
      return std::nullopt;
    }
    route.next_hop = *parsed;
  }
  if (const json* ns = member(r, "neighbors")) {
    if (!ns->is_array() || ns->size() > kMaxPreviousNeighbors) {
      *why = prefix->text + " has neighbors that are not a list of at most " +
             std::to_string(kMaxPreviousNeighbors);
      return std::nullopt;
    }
    for (const auto& n : *ns) {
      auto a =
          n.is_string() ? bridge::parse_address(n.get_ref<const std::string&>()) : std::nullopt;
      if (!a) {
        *why = prefix->text + " has a neighbor that is not an address";
        return std::nullopt;
      }
      route.neighbors.push_back(*a);
    }
    route.neighbors = bridge::canonical_neighbors(std::move(route.neighbors));
  }
  return route;
}

}  // namespace

PreviousRoutes announced_in_status(std::string_view text) {
  PreviousRoutes out;
  auto drop = [&](std::string why) {
    if (out.dropped++ == 0) out.first_problem = text::printable(why, 300);
  };
  auto file = parse_status_text(text);
  if (!file.ok()) {
    drop("the status file is " + file.error);
    return out;
  }
  const json* schema = member(file.doc, "schema");
  if (!schema || !schema->is_number_integer() || *schema != 1) {
    drop("the status file is not of schema 1");
    return out;
  }
  // Each service's routes, and the routes being withdrawn that no service owned any more.
  std::vector<const json*> lists;
  if (const json* services = array_at(file.doc, "services")) {
    for (const auto& svc : *services) {
      if (const json* routes = array_at(svc, "routes")) lists.push_back(routes);
    }
  }
  if (const json* withdrawing = array_at(file.doc, "withdrawing")) lists.push_back(withdrawing);
  std::set<std::string> seen;
  std::size_t total = 0;
  for (const json* routes : lists) {
    for (const auto& r : *routes) {
      std::string why;
      auto route = route_from(r, &why);
      if (!route) {
        if (!why.empty()) drop(why);
        continue;
      }
      if (!seen.insert(bridge::route_key(*route)).second) continue;
      auto bytes = bridge::format_withdraw(*route).size();
      if (bytes > kMaxPreviousCommandBytes) {
        drop(route->prefix.text + " would be a withdraw line of " + std::to_string(bytes) +
             " bytes (at most " + std::to_string(kMaxPreviousCommandBytes) + ")");
      } else if (out.routes.size() >= kMaxPreviousRoutes ||
                 total + bytes > kMaxPreviousTotalBytes) {
        drop("more than " + std::to_string(kMaxPreviousRoutes) + " routes or " +
             std::to_string(kMaxPreviousTotalBytes / 1024) + " KiB of withdraw lines");
      } else {
        total += bytes;
        out.routes.push_back(std::move(*route));
      }
    }
  }
  return out;
}

PreviousSplit split_previous(const std::vector<bridge::Route>& previous, const Config& config) {
  PreviousSplit out;
  for (const auto& old : previous) {
    std::set<std::string> left(old.neighbors.begin(), old.neighbors.end());
    bool covered = false;
    for (const auto& s : config.services) {
      for (const auto& rc : s.routes) {
        const auto& r = rc.route;
        if (r.prefix.text != old.prefix.text) continue;
        if (r.neighbors.empty()) covered = true;  // every peer
        if (old.neighbors.empty()) continue;      // every peer needs an all-peers route
        for (const auto& n : r.neighbors) left.erase(n);
        if (left.empty()) covered = true;
      }
    }
    if (covered) {
      out.kept.push_back(old);
      continue;
    }
    auto stale = old;
    // Withdrawn only where nothing configured takes over, so a covered peer keeps its route
    // until its owner decides (hitless restart).
    if (!old.neighbors.empty()) {
      stale.neighbors.assign(left.begin(), left.end());
      auto kept = old;
      kept.neighbors.clear();
      for (const auto& n : old.neighbors) {
        if (!left.count(n)) kept.neighbors.push_back(n);
      }
      if (!kept.neighbors.empty()) out.kept.push_back(std::move(kept));
    }
    out.stale.push_back(std::move(stale));
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
  return split_previous(previous, config).stale;
}

}  // namespace sidecar
