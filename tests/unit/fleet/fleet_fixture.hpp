#pragma once
// A fleet in memory for the decision tests: records built in a line each, and a fake etcd that
// holds key-values with revisions and applies the one txn shape the decisions return (compare
// the budget key's mod_revision, then put / delete), as etcd does.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sidecar/fleet/fleet_policy.hpp"

namespace fleet_test {

inline constexpr double kNow = 1795339600.0;
inline constexpr const char* kPrefix = "/acs/test";

inline fleet::ServiceRecord service(const std::string& state, const std::string& desired,
                                    const std::string& reason = "", double since = kNow - 252) {
  fleet::ServiceRecord s;
  s.name = "resolver";
  s.state = state;
  s.desired = desired;
  s.reason = reason;
  s.since_unix = since;
  s.routes = {{"192.0.2.53/32", desired}};
  return s;
}

inline fleet::ServiceRecord up() {
  return service("up", "announce");
}

inline fleet::ServiceRecord in_maintenance(const std::string& why = "bind upgrade") {
  auto s = service("disabled", "withdraw");
  s.maintenance = fleet::MaintenanceRecord{why, kNow - 60};
  return s;
}

inline fleet::PresenceRecord presence(const std::string& node,
                                      std::vector<fleet::ServiceRecord> services) {
  fleet::PresenceRecord p;
  p.node = node;
  p.version = "0.1.0";
  p.updated_unix = kNow - 1;
  p.services = std::move(services);
  return p;
}

class FakeEtcd {
 public:
  void put(const std::string& key, const std::string& value) { kvs_[key] = {value, ++revision_}; }
  void del(const std::string& key) {
    kvs_.erase(key);
    ++revision_;
  }
  std::int64_t mod_revision(const std::string& key) const {
    auto it = kvs_.find(key);
    return it == kvs_.end() ? 0 : it->second.second;
  }
  // A range over the whole fleet prefix.
  std::vector<fleet::RawKv> range() const {
    std::vector<fleet::RawKv> out;
    for (const auto& [k, v] : kvs_) out.push_back({k, v.first, v.second});
    return out;
  }
  fleet::FleetView view(const std::map<std::string, double>& last_seen = {}) const {
    return fleet::fleet_view(fleet::read_records(kPrefix, range()), last_seen);
  }
  // compare mod_revision(budget) == expected; success: put the budget (and delete a key).
  bool txn(std::int64_t expected, const fleet::BudgetRecord& budget,
           const std::string& also_delete = "") {
    auto key = fleet::budget_key(kPrefix);
    if (mod_revision(key) != expected) return false;
    put(key, fleet::render(budget));
    if (!also_delete.empty()) del(also_delete);
    return true;
  }

  // compare mod_revision(key) == expected; success: put the value. The floor's txn shape.
  bool cas(const std::string& key, std::int64_t expected, const std::string& value) {
    if (mod_revision(key) != expected) return false;
    put(key, value);
    return true;
  }
  std::optional<fleet::RawKv> get(const std::string& key) const {
    auto it = kvs_.find(key);
    if (it == kvs_.end()) return std::nullopt;
    return fleet::RawKv{key, it->second.first, it->second.second};
  }

  void join(const std::string& node) {
    put(fleet::member_key(kPrefix, node),
        fleet::render(fleet::MemberRecord{node, kNow - 3600, "0.1.0"}));
  }
  void present(const fleet::PresenceRecord& p) {
    put(fleet::presence_key(kPrefix, p.node), fleet::render(p));
  }
  void expire(const std::string& node) { del(fleet::presence_key(kPrefix, node)); }

 private:
  std::map<std::string, std::pair<std::string, std::int64_t>> kvs_;
  std::int64_t revision_ = 1;
};

// n nodes node-1..node-n, every one a member, present and in service.
inline FakeEtcd healthy_fleet(int n) {
  FakeEtcd etcd;
  for (int i = 1; i <= n; ++i) {
    auto node = "node-" + std::to_string(i);
    etcd.join(node);
    etcd.present(presence(node, {up()}));
  }
  return etcd;
}

// What a node's `maintenance on` does: read, decide, txn; on a conflict read and decide again.
inline fleet::SlotDecision take_slot(FakeEtcd& etcd, const std::string& node, int max_unavailable) {
  fleet::SlotDecision d;
  for (int attempt = 0; attempt < fleet::kMaxTxnAttempts; ++attempt) {
    d = fleet::decide_slot(etcd.view(), {node, "upgrade", kNow, max_unavailable});
    if (d.kind != fleet::SlotDecision::Kind::granted) return d;
    if (etcd.txn(d.compare_revision, d.budget)) return d;
  }
  return d;
}

}  // namespace fleet_test
