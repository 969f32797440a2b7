#include "sidecar/fleet/fleet_policy.hpp"

#include <algorithm>
#include <ctime>

#include "sidecar/lib/ago.hpp"
#include "sidecar/lib/printable.hpp"

namespace fleet {
namespace {

// Text from another node's record, made one printable line for a terminal or a log.
std::string shown(std::string_view s) {
  return text::printable(s, kMaxTextBytes);
}

// "2026-12-03T22:10:03Z (4m12s ago)": an absolute time to compare with logs, and how long.
std::string since_text(double since, double now) {
  if (!(since >= 0 && since <= kMaxUnixTime)) return "at an unknown time";
  std::time_t t = static_cast<std::time_t>(since);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string("since ") + buf + " (" + text::ago(now - since) + " ago)";
}

struct OutService {
  NodeStatus status;
  std::string why;
  double since;
};

// The services' contribution to a present node's status: maintenance first, then withdrawn.
std::vector<OutService> out_services(const PresenceRecord& p) {
  std::vector<OutService> out;
  for (const auto& s : p.services) {
    auto name = shown(s.name);
    auto reason = s.reason.empty() ? std::string() : ": " + shown(s.reason);
    if (s.maintenance) {
      out.push_back({NodeStatus::maintenance,
                     name + " in maintenance" +
                         (s.maintenance->reason.empty() ? "" : ": " + shown(s.maintenance->reason)),
                     s.maintenance->since_unix});
    } else if (s.state == "disabled") {
      out.push_back({NodeStatus::maintenance, name + " disabled", s.since_unix});
    } else if (s.state == "down") {
      out.push_back({NodeStatus::withdrawn, name + " down" + reason, s.since_unix});
    } else if (out_of_service(s)) {
      out.push_back({NodeStatus::withdrawn, name + " " + shown(s.state) + reason, s.since_unix});
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const OutService& a, const OutService& b) {
    return a.status == NodeStatus::maintenance && b.status != NodeStatus::maintenance;
  });
  return out;
}

void status_from_presence(NodeView& n) {
  auto out = out_services(*n.presence);
  if (out.empty()) {
    n.status = NodeStatus::in_service;
    return;
  }
  n.status = out.front().status;
  double since = out.front().since;
  constexpr std::size_t kNamed = 3;  // a node with 100 services out is not 100 reasons long
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i < kNamed) n.why += (i ? "; " : "") + out[i].why;
    since = std::min(since, out[i].since);
  }
  if (out.size() > kNamed) n.why += "; and " + std::to_string(out.size() - kNamed) + " more";
  n.since_unix = since;
}

std::string slot_holders(const BudgetRecord& budget) {
  if (budget.slots.empty()) return "no slot is held";
  std::string s = "slots held by ";
  for (std::size_t i = 0; i < budget.slots.size(); ++i) {
    s += (i ? ", " : "") + budget.slots[i].node;
  }
  return s;
}

BudgetRecord without(const BudgetRecord& budget, std::string_view node) {
  BudgetRecord next;
  for (const auto& s : budget.slots) {
    if (s.node != node) next.slots.push_back(s);
  }
  return next;
}

std::string unreadable_budget(const FleetView& view) {
  return "the fleet's budget record is unreadable (" + shown(view.budget_error) +
         "); nothing changed; next: read it with `etcdctl get <prefix>/budget`, and delete it "
         "only once every node's maintenance is known";
}

std::string plural(std::size_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

}  // namespace

FleetRecords read_records(std::string_view prefix, const std::vector<RawKv>& kvs) {
  FleetRecords r;
  for (const auto& kv : kvs) {
    auto key = parse_key(prefix, kv.key);
    switch (key.kind) {
      case KeyKind::member: {
        auto m = parse_member(kv.value, key.node);
        if (m.value) {
          r.members[key.node] = std::move(*m.value);
        } else {
          r.skipped.push_back("members/" + key.node + ": " + shown(m.error));
        }
        break;
      }
      case KeyKind::presence: {
        auto p = parse_presence(kv.value, key.node);
        if (p.value) {
          r.presences[key.node] = std::move(*p.value);
        } else {
          r.unreadable_presence[key.node] = shown(p.error);
          r.skipped.push_back("presence/" + key.node + ": " + shown(p.error));
        }
        break;
      }
      case KeyKind::budget: {
        r.budget_revision = kv.mod_revision;
        auto b = parse_budget(kv.value);
        if (b.value) {
          r.budget = std::move(*b.value);
        } else {
          r.budget_error = shown(b.error);
          r.skipped.push_back("budget: " + shown(b.error));
        }
        break;
      }
      case KeyKind::floor:
      case KeyKind::other:
        break;  // the floor's records, or a newer node's: not ours to judge here
    }
  }
  return r;
}

std::string_view to_string(NodeStatus status) {
  switch (status) {
    case NodeStatus::in_service:
      return "in_service";
    case NodeStatus::maintenance:
      return "maintenance";
    case NodeStatus::withdrawn:
      return "withdrawn";
    case NodeStatus::gone:
      return "gone";
    case NodeStatus::unknown:
      return "unknown";
  }
  return "unknown";
}

const NodeView* FleetView::find(std::string_view node) const {
  for (const auto& n : nodes) {
    if (n.node == node) return &n;
  }
  return nullptr;
}

std::size_t FleetView::out_count() const {
  return static_cast<std::size_t>(
      std::count_if(nodes.begin(), nodes.end(), [](const NodeView& n) { return n.out(); }));
}

std::size_t FleetView::present_count() const {
  return static_cast<std::size_t>(std::count_if(nodes.begin(), nodes.end(), [](const NodeView& n) {
    return n.presence.has_value() || n.status == NodeStatus::unknown;
  }));
}

FleetView fleet_view(const FleetRecords& records, const std::map<std::string, double>& last_seen) {
  FleetView view;
  view.budget = records.budget;
  view.budget_revision = records.budget_revision;
  view.budget_error = records.budget_error;
  view.skipped = records.skipped;

  std::set<std::string> names;
  for (const auto& [node, m] : records.members) names.insert(node);
  for (const auto& [node, p] : records.presences) names.insert(node);
  for (const auto& [node, why] : records.unreadable_presence) names.insert(node);
  for (const auto& s : records.budget.slots) names.insert(s.node);

  for (const auto& node : names) {
    if (view.nodes.size() == kMaxNodes) {
      view.skipped.push_back("more than " + std::to_string(kMaxNodes) + " nodes: " + node +
                             " and the nodes after it are left out");
      break;
    }
    NodeView n;
    n.node = node;
    n.member = records.members.count(node) > 0;
    if (auto s = records.budget.held_by(node)) n.slot = *s;
    if (auto p = records.presences.find(node); p != records.presences.end()) {
      n.presence = p->second;
      n.last_seen_unix = p->second.updated_unix;
      status_from_presence(n);
    } else if (auto u = records.unreadable_presence.find(node);
               u != records.unreadable_presence.end()) {
      n.status = NodeStatus::unknown;
      n.why = "presence record unreadable: " + u->second;
    } else {
      n.status = NodeStatus::gone;
      n.why = n.member ? "presence expired" : "not a member, no presence";
      if (auto seen = last_seen.find(node); seen != last_seen.end()) {
        n.since_unix = seen->second;
        n.last_seen_unix = seen->second;
      }
    }
    view.nodes.push_back(std::move(n));
  }
  return view;
}

void PresenceMemory::update(const FleetRecords& records, double now_unix) {
  std::set<std::string> now_present;
  for (const auto& [node, p] : records.presences) now_present.insert(node);
  for (const auto& [node, why] : records.unreadable_presence) now_present.insert(node);
  for (const auto& node : present_) {
    if (!now_present.count(node)) gone_since_.emplace(node, now_unix);
  }
  for (const auto& node : now_present) gone_since_.erase(node);
  // Bounded like the view: a node forgotten from etcd is forgotten here too.
  for (auto it = gone_since_.begin(); it != gone_since_.end();) {
    bool known = records.members.count(it->first) || records.budget.held_by(it->first);
    it = known ? std::next(it) : gone_since_.erase(it);
  }
  present_ = std::move(now_present);
}

bool announces(const NodeView& node, std::string_view prefix) {
  if (!node.presence) return false;
  for (const auto& s : node.presence->services) {
    for (const auto& r : s.routes) {
      if (r.prefix == prefix && r.desired != "withdraw") return true;
    }
  }
  return false;
}

std::size_t nodes_announcing(const FleetView& view, std::string_view prefix,
                             std::string_view except) {
  std::size_t count = 0;
  for (const auto& n : view.nodes) {
    if (n.node != except && announces(n, prefix)) ++count;
  }
  return count;
}

std::string describe_out(const NodeView& n, double now_unix) {
  std::string s = n.node;
  switch (n.status) {
    case NodeStatus::in_service:
      s += " in service";
      break;
    case NodeStatus::maintenance:
      s += " in maintenance";
      break;
    case NodeStatus::withdrawn:
      s += " withdrawn";
      break;
    case NodeStatus::gone:
      s += " gone";
      break;
    case NodeStatus::unknown:
      s += " unknown";
      break;
  }
  if (n.status != NodeStatus::in_service) {
    if (n.since_unix) s += " " + since_text(*n.since_unix, now_unix);
    if (!n.why.empty()) s += " (" + n.why + ")";
  }
  if (n.slot) {
    s += ", holding a slot " + since_text(n.slot->since_unix, now_unix);
    if (!n.slot->reason.empty()) s += " (" + shown(n.slot->reason) + ")";
  }
  return s;
}

SlotDecision decide_slot(const FleetView& view, const SlotRequest& req) {
  SlotDecision d;
  if (!view.budget_error.empty()) {
    d.kind = SlotDecision::Kind::unreadable;
    d.message = unreadable_budget(view);
    return d;
  }
  if (auto mine = view.budget.held_by(req.node)) {
    d.kind = SlotDecision::Kind::already_held;
    d.message = "this node (" + req.node + ") already holds a fleet slot " +
                since_text(mine->since_unix, req.now_unix) +
                (mine->reason.empty() ? "" : " (" + shown(mine->reason) + ")");
    return d;
  }
  for (const auto& n : view.nodes) {
    if (n.node != req.node && n.out()) d.out.push_back(n);
  }
  // The longest out first (they are the ones to look at); unknown times last.
  std::stable_sort(d.out.begin(), d.out.end(), [](const NodeView& a, const NodeView& b) {
    auto key = [](const NodeView& n) {
      if (n.since_unix) return *n.since_unix;
      return n.slot ? n.slot->since_unix : kMaxUnixTime + 1;
    };
    return key(a) < key(b);
  });
  auto allowed = static_cast<std::size_t>(std::max(req.max_unavailable, 0));
  if (d.out.size() + 1 > allowed || view.budget.slots.size() >= kMaxSlots) {
    d.kind = SlotDecision::Kind::refused;
    d.message = "refused: the fleet allows " + plural(allowed, "node", "nodes") +
                " out of service (max_unavailable) and " +
                plural(d.out.size(), "other is", "others are") + " out";
    for (std::size_t i = 0; i < d.out.size(); ++i) {
      d.message += (i ? "; " : ": ") + describe_out(d.out[i], req.now_unix);
    }
    d.message +=
        "; nothing changed on this node; next: `anycast-sidecar fleet` shows the fleet, try again "
        "once a node is back in service (or `fleet release` / `fleet forget` what a person has "
        "checked)";
    return d;
  }
  d.kind = SlotDecision::Kind::granted;
  d.budget = view.budget;
  d.budget.slots.push_back({req.node, req.reason, req.now_unix});
  d.compare_revision = view.budget_revision;
  d.message = "fleet slot taken: " + std::to_string(d.out.size() + 1) + " of " +
              std::to_string(allowed) + " allowed out of service with this node";
  return d;
}

ReleaseDecision decide_release(const FleetView& view, std::string_view node, double now_unix) {
  ReleaseDecision d;
  if (!view.budget_error.empty()) {
    d.kind = ReleaseDecision::Kind::unreadable;
    d.message = unreadable_budget(view);
    return d;
  }
  const Slot* held = view.budget.held_by(node);
  if (!held) {
    d.kind = ReleaseDecision::Kind::not_held;
    d.message = std::string(node) + " holds no fleet slot (" + slot_holders(view.budget) + ")";
    return d;
  }
  d.kind = ReleaseDecision::Kind::release;
  d.released = *held;
  d.budget = without(view.budget, node);
  d.compare_revision = view.budget_revision;
  d.message = "fleet slot of " + std::string(node) + " released (held " +
              since_text(held->since_unix, now_unix) +
              (held->reason.empty() ? "" : ", " + shown(held->reason)) + ")";
  return d;
}

ForgetDecision decide_forget(const FleetView& view, std::string_view node, double now_unix) {
  ForgetDecision d;
  const NodeView* n = view.find(node);
  if (!n || (!n->member && !n->slot && !n->presence && n->status != NodeStatus::unknown)) {
    d.kind = ForgetDecision::Kind::not_member;
    d.message = std::string(node) + " is not a member of the fleet; nothing to forget";
    return d;
  }
  if (n->presence || n->status == NodeStatus::unknown) {
    d.kind = ForgetDecision::Kind::present;
    d.message = std::string(node) +
                " is present (its sidecar runs and keeps its lease): it would be counted again; "
                "next: stop its sidecar (or remove its fleet block) and forget it once it is gone";
    return d;
  }
  if (n->slot && !view.budget_error.empty()) {
    d.kind = ForgetDecision::Kind::unreadable;
    d.message = unreadable_budget(view);
    return d;
  }
  d.kind = ForgetDecision::Kind::forget;
  d.delete_member = n->member;
  d.message = std::string(node) + " forgotten: it no longer counts against the budget";
  if (n->slot) {
    d.write_budget = true;
    d.released = *n->slot;
    d.budget = without(view.budget, node);
    d.compare_revision = view.budget_revision;
    d.message += "; its slot (held " + since_text(n->slot->since_unix, now_unix) + ") is released";
  }
  return d;
}

VerifyDecision decide_verify(const VerifyInput& in) {
  VerifyDecision d;
  int rise = std::max(in.rise, 1);
  std::vector<int> rounds;
  const VerifyCheck* failing = nullptr;
  for (const auto& c : in.checks) {
    if (c.degrade) continue;
    rounds.push_back(c.ok ? std::max(c.consecutive_successes, 0) : 0);
    if (!c.ok && !failing) failing = &c;
  }
  std::sort(rounds.rbegin(), rounds.rend());
  if (rounds.empty()) {
    d.passing_rounds = rise;  // only degrade checks: the service cannot be down
  } else {
    switch (in.policy.kind) {
      case sidecar::Policy::Kind::all:
        d.passing_rounds = rounds.back();
        break;
      case sidecar::Policy::Kind::any:
        d.passing_rounds = rounds.front();
        break;
      case sidecar::Policy::Kind::quorum: {
        auto q = static_cast<std::size_t>(std::max(in.policy.quorum, 1));
        d.passing_rounds = q <= rounds.size() ? rounds[q - 1] : 0;
        break;
      }
    }
  }
  d.record.service = in.service;
  d.record.at_unix = in.now_unix;
  auto progress = std::to_string(std::min(d.passing_rounds, rise)) + " of " + std::to_string(rise) +
                  " passing rounds";
  auto failing_text = [&] {
    return shown(failing->name) + ": " +
           (failing->reason.empty() ? std::string("not probed yet") : shown(failing->reason));
  };
  if (d.passing_rounds >= rise) {
    d.kind = VerifyDecision::Kind::passed;
    d.record.ok = true;
    d.message = in.service + " verified: " + progress;
    return d;
  }
  if (in.timed_out) {
    d.kind = VerifyDecision::Kind::failed;
    d.record.ok = false;
    if (failing) {
      d.record.check = failing->name;
      d.record.reason = failing->reason.empty() ? "not probed yet" : failing->reason;
    } else {
      d.record.reason = "only " + progress + " before the timeout";
    }
    d.message = in.service + " failed verification (" +
                (failing ? failing_text() : shown(d.record.reason)) + "): it stays in maintenance" +
                (in.fleet ? " and this node keeps its fleet slot" : std::string()) +
                "; next: fix it, then `anycast-sidecar maintenance off --verify` again";
    return d;
  }
  d.kind = VerifyDecision::Kind::waiting;
  d.message = in.service + ": " + progress + (failing ? "; " + failing_text() : "");
  return d;
}

}  // namespace fleet
