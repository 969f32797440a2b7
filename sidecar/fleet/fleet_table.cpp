#include "sidecar/fleet/fleet_table.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "sidecar/lib/ago.hpp"
#include "sidecar/lib/json_text.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/status/fleet_hint.hpp"
#include "sidecar/status/status_verdict.hpp"

namespace fleet {
namespace {

using json = nlohmann::json;

constexpr std::size_t kColumns = 6;
using Row = std::array<std::string, kColumns>;

std::string shown(std::string_view s, std::size_t max = 120) {
  return text::printable(s, max);
}

std::string services_cell(const NodeView& n) {
  if (!n.presence) return "-";
  std::string s;
  for (const auto& svc : n.presence->services) {
    if (!s.empty()) s += ", ";
    s += shown(svc.name, 64) + " " + shown(svc.state, 32);
    if (!svc.reason.empty()) s += " (" + shown(svc.reason) + ")";
  }
  return s.empty() ? "(no services)" : s;
}

std::string maintenance_cell(const NodeView& n, double now) {
  if (!n.presence) return "-";
  std::string s;
  for (const auto& svc : n.presence->services) {
    if (!svc.maintenance) continue;
    if (!s.empty()) s += ", ";
    s += shown(svc.name, 64) + ": " +
         (svc.maintenance->reason.empty() ? "no reason" : shown(svc.maintenance->reason)) + " (" +
         text::ago(now - svc.maintenance->since_unix) + ")";
  }
  return s.empty() ? "-" : s;
}

std::string slot_cell(const NodeView& n, double now) {
  if (!n.slot) return "-";
  return "held " + text::ago(now - n.slot->since_unix) +
         (n.slot->reason.empty() ? "" : " (" + shown(n.slot->reason) + ")");
}

std::string seen_cell(const NodeView& n, double now) {
  switch (n.status) {
    case NodeStatus::gone:
      return n.last_seen_unix ? "gone, last seen " + text::ago(now - *n.last_seen_unix) + " ago"
                              : "gone";
    case NodeStatus::unknown:
      return "present, record unreadable";
    default:
      return n.member ? "present" : "present, not a member";
  }
}

std::string status_cell(const NodeView& n) {
  std::string s(to_string(n.status));
  if (n.verify_failed()) s += ", verify failed";
  return s;
}

std::vector<std::string> aligned(const std::vector<Row>& rows) {
  std::array<std::size_t, kColumns> width{};
  for (const auto& r : rows) {
    for (std::size_t c = 0; c + 1 < kColumns; ++c) width[c] = std::max(width[c], r[c].size());
  }
  std::vector<std::string> out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < kColumns; ++c) {
      line += r[c];
      if (c + 1 < kColumns) line += std::string(width[c] - r[c].size() + 2, ' ');
    }
    out.push_back(line);
  }
  return out;
}

json optional_time(const std::optional<double>& t) {
  return t ? json(std::round(*t * 1000.0) / 1000.0) : json(nullptr);
}

json node_json(const NodeView& n) {
  json services = json::array();
  if (n.presence) {
    for (const auto& s : n.presence->services) {
      json maintenance = nullptr;
      if (s.maintenance) {
        maintenance = {{"reason", s.maintenance->reason},
                       {"since_unix", s.maintenance->since_unix}};
      }
      json routes = json::array();
      for (const auto& r : s.routes)
        routes.push_back({{"prefix", r.prefix}, {"desired", r.desired}});
      services.push_back({{"name", s.name},
                          {"state", s.state},
                          {"desired", s.desired},
                          {"reason", s.reason},
                          {"since_unix", s.since_unix},
                          {"maintenance", maintenance},
                          {"routes", routes}});
    }
  }
  json slot = nullptr;
  if (n.slot) slot = {{"reason", n.slot->reason}, {"since_unix", n.slot->since_unix}};
  json verify = nullptr;
  if (n.presence && n.presence->verify) {
    const auto& v = *n.presence->verify;
    verify = {{"ok", v.ok},
              {"service", v.service},
              {"check", v.check},
              {"reason", v.reason},
              {"at_unix", v.at_unix}};
  }
  return {{"node", n.node},
          {"status", std::string(to_string(n.status))},
          {"out", n.out()},
          {"why", n.why},
          {"since_unix", optional_time(n.since_unix)},
          {"member", n.member},
          {"present", n.presence.has_value() || n.status == NodeStatus::unknown},
          {"last_seen_unix", optional_time(n.last_seen_unix)},
          {"version", n.presence ? json(n.presence->version) : json(nullptr)},
          {"slot", slot},
          {"verify", verify},
          {"floor_hold", n.presence ? json(n.presence->floor_hold) : json::array()},
          {"services", services}};
}

struct Problems {
  int code = 0;
  std::vector<std::pair<int, std::string>> ranked;
  void raise(int c, std::string text) {
    code = std::max(code, c);
    ranked.emplace_back(c, std::move(text));
  }
  std::vector<std::string> sorted() {
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    std::vector<std::string> out;
    for (auto& [c, p] : ranked) out.push_back(std::move(p));
    return out;
  }
};

FleetTable finish(int code, std::vector<std::string> problems, const std::string& summary,
                  std::vector<std::string> body, json fleet_json) {
  FleetTable t;
  t.exit_code = code;
  t.lines.push_back(
      std::string(sidecar::verdict_name(static_cast<sidecar::Verdict>(code))) + ": " +
      (problems.empty() ? summary : problems.front()) +
      (problems.size() > 1 ? " (+" + std::to_string(problems.size() - 1) + " more)" : ""));
  for (std::size_t i = 1; i < problems.size(); ++i) t.lines.push_back("also: " + problems[i]);
  for (auto& l : body) t.lines.push_back(std::move(l));
  t.json = {{"exit_code", code},
            {"verdict", std::string(sidecar::verdict_name(static_cast<sidecar::Verdict>(code)))},
            {"problems", problems},
            {"fleet", std::move(fleet_json)}};
  sidecar::valid_utf8_strings(t.json);
  return t;
}

}  // namespace

FleetTable fleet_table(const FleetView& view, const TableInput& in) {
  Problems p;
  auto name = "fleet " + shown(in.prefix);
  auto allowed = static_cast<std::size_t>(std::max(in.max_unavailable, 0));
  auto out = view.out_count();
  std::vector<const NodeView*> out_nodes;
  for (const auto& n : view.nodes) {
    if (n.out()) out_nodes.push_back(&n);
    if (n.verify_failed()) {
      const auto& v = *n.presence->verify;
      p.raise(2, n.node + " failed verification of " + shown(v.service, 64) + " (" +
                     (v.check.empty() ? "" : shown(v.check, 64) + ": ") + shown(v.reason) +
                     "): it stays out holding its slot; the rollout stops here");
    }
  }
  std::string who;
  for (std::size_t i = 0; i < out_nodes.size() && i < 3; ++i) {
    who += (i ? "; " : ": ") + describe_out(*out_nodes[i], in.now_unix);
  }
  if (out_nodes.size() > 3) who += "; and " + std::to_string(out_nodes.size() - 3) + " more";
  if (out > allowed) {
    p.raise(2, std::to_string(out) + " nodes out of service, more than the " +
                   std::to_string(allowed) + " allowed (max_unavailable)" + who);
  } else if (out > 0) {
    p.raise(1, std::to_string(out) + " of " + std::to_string(view.nodes.size()) +
                   " nodes out of service, within the " + std::to_string(allowed) + " allowed" +
                   who);
  }
  if (!view.budget_error.empty()) {
    p.raise(2, "the budget record is unreadable (" + shown(view.budget_error) +
                   "): no maintenance slot can be taken or given back");
  }
  if (view.nodes.empty()) p.raise(1, name + " has no members yet");

  std::vector<Row> rows = {{"NODE", "STATUS", "SERVICES", "MAINTENANCE", "SLOT", "SEEN"}};
  for (const auto& n : view.nodes) {
    rows.push_back({n.node, status_cell(n), services_cell(n), maintenance_cell(n, in.now_unix),
                    slot_cell(n, in.now_unix), seen_cell(n, in.now_unix)});
  }
  auto body = aligned(rows);
  for (const auto& s : view.skipped) body.push_back("skipped: " + shown(s, 300));

  json nodes = json::array();
  for (const auto& n : view.nodes) nodes.push_back(node_json(n));
  json slots = json::array();
  for (const auto& s : view.budget.slots) {
    slots.push_back({{"node", s.node}, {"reason", s.reason}, {"since_unix", s.since_unix}});
  }
  json fleet_json = {
      {"prefix", in.prefix},
      {"reachable", true},
      {"max_unavailable", in.max_unavailable},
      {"out_of_service", out},
      {"nodes", nodes},
      {"slots", slots},
      {"budget_error", view.budget_error.empty() ? json(nullptr) : json(view.budget_error)},
      {"skipped", view.skipped}};
  auto summary = name + ": " + std::to_string(view.nodes.size()) + " node" +
                 (view.nodes.size() == 1 ? "" : "s") + ", all in service";
  int code = p.code;
  return finish(code, p.sorted(), summary, std::move(body), std::move(fleet_json));
}

FleetTable unreachable_table(const TableInput& in, const std::string& error) {
  auto problem = "fleet " + shown(in.prefix) + " unreachable (" + shown(error, 300) + "); " +
                 sidecar::fleet_next_step(error);
  json fleet_json = {{"prefix", in.prefix},
                     {"reachable", false},
                     {"error", error},
                     {"max_unavailable", in.max_unavailable},
                     {"nodes", json::array()}};
  return finish(2, {problem}, "", {}, std::move(fleet_json));
}

}  // namespace fleet
