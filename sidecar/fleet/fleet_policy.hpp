#pragma once
// The fleet's decisions, pure: values in, values out, no Asio, time passed in. The etcd client
// reads the prefix (a range, or its watch cache), hands the key-values to read_records(), builds
// the view, asks a decide_* function, and carries out the returned write as one txn:
//   compare: mod_revision(budget_key) == decision.compare_revision  (0: the key is absent)
//   success: put budget_key = render(decision.budget)  (forget: also delete member_key)
// A failed compare means another node wrote the budget since the read: re-read, decide again
// (at most kMaxTxnAttempts times). That makes every slot grant race-free: of two nodes deciding
// from the same snapshot, only the first write matches the revision; the second node's retry
// sees the first one's slot and is refused if the budget is then spent.
//
// A node is out of service when one of its services is in maintenance, down or not announcing
// (desired withdraw: init, or rising after a failure), when its presence expired (gone: a dead
// machine is the most unavailable node of all), when its presence record is unreadable
// (unknown), or when it holds a slot. The fleet floor's decision (min_announcing, per prefix) is
// beside these, on the same view: fleet_floor.hpp.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/config/config.hpp"
#include "sidecar/fleet/fleet_records.hpp"

namespace fleet {

inline constexpr int kMaxTxnAttempts = 5;       // compare conflicts before a decision gives up
inline constexpr std::size_t kMaxNodes = 1024;  // nodes in a view; more are skipped

// One key-value as etcd returned it (key and value already base64-decoded).
struct RawKv {
  std::string key;
  std::string value;
  std::int64_t mod_revision = 0;
};

// The records under the prefix, parsed. Unreadable ones are left out, each with one line in
// `skipped` for the caller to log ("presence/node-2: not UTF-8").
struct FleetRecords {
  std::map<std::string, MemberRecord> members;
  std::map<std::string, PresenceRecord> presences;
  std::map<std::string, std::string> unreadable_presence;  // node -> why: alive but unreadable
  BudgetRecord budget;
  std::int64_t budget_revision = 0;  // the budget key's mod_revision; 0 when absent
  std::string budget_error;          // set when the budget key is unreadable
  std::vector<std::string> skipped;
};
FleetRecords read_records(std::string_view prefix, const std::vector<RawKv>& kvs);

enum class NodeStatus { in_service, maintenance, withdrawn, gone, unknown };
std::string_view to_string(NodeStatus status);  // in_service | maintenance | withdrawn | ...

struct NodeView {
  std::string node;
  NodeStatus status = NodeStatus::in_service;
  std::string why;                   // "" in service; "resolver in maintenance: bind upgrade", ...
  std::optional<double> since_unix;  // since when it is out (or in service), when known
  bool member = false;               // has a member record
  std::optional<PresenceRecord> presence;
  std::optional<Slot> slot;
  std::optional<double> last_seen_unix;  // present: its record's time; gone: the caller's memory
  bool out() const { return status != NodeStatus::in_service || slot.has_value(); }
  bool verify_failed() const { return presence && presence->verify && !presence->verify->ok; }
};

struct FleetView {
  std::vector<NodeView> nodes;  // by name
  BudgetRecord budget;
  std::int64_t budget_revision = 0;
  std::string budget_error;
  std::vector<std::string> skipped;
  const NodeView* find(std::string_view node) const;
  std::size_t out_count() const;
  std::size_t present_count() const;
};

// What the agent remembers between reads: when each presence was last seen vanishing, so that a
// gone node reads "gone since ..." (etcd keeps no trace of an expired lease). A node gone before
// this process started has no known time.
class PresenceMemory {
 public:
  // After each read or watch event: a node present before and absent now is gone since now; a
  // node present again is forgotten.
  void update(const FleetRecords& records, double now_unix);
  const std::map<std::string, double>& gone_since() const { return gone_since_; }

 private:
  std::set<std::string> present_;
  std::map<std::string, double> gone_since_;
};

// Every node that is a member, present or holds a slot. `last_seen` is what the caller
// remembers of presences it saw vanish (node -> unix time), shown as "gone since".
FleetView fleet_view(const FleetRecords& records,
                     const std::map<std::string, double>& last_seen = {});

// The node's presence lives and says one of its services announces `prefix` (any desired but
// withdraw).
bool announces(const NodeView& node, std::string_view prefix);
// How many nodes other than `except` announce `prefix` (any desired but withdraw), by their
// presence records: what the fleet floor counts.
std::size_t nodes_announcing(const FleetView& view, std::string_view prefix,
                             std::string_view except);

// "node-3 withdrawn since 4m12s (resolver down: local-zone connection_refused)".
std::string describe_out(const NodeView& node, double now_unix);

// --- taking a slot (`maintenance on`) ---
struct SlotRequest {
  std::string node;
  std::string reason;
  double now_unix = 0;
  int max_unavailable = 1;
};

struct SlotDecision {
  enum class Kind { granted, already_held, refused, unreadable } kind = Kind::refused;
  BudgetRecord budget;                // granted: the record to write
  std::int64_t compare_revision = 0;  // granted: the budget's mod_revision the txn compares
  std::vector<NodeView> out;          // refused: the other nodes out, the longest out first
  std::string message;                // one line for the operator (and the log)
};
SlotDecision decide_slot(const FleetView& view, const SlotRequest& request);

// --- giving a slot back (`maintenance off`, `fleet release NODE`) ---
struct ReleaseDecision {
  enum class Kind { release, not_held, unreadable } kind = Kind::not_held;
  BudgetRecord budget;  // release: the record to write
  std::int64_t compare_revision = 0;
  std::optional<Slot> released;
  std::string message;
};
ReleaseDecision decide_release(const FleetView& view, std::string_view node, double now_unix);

// --- removing a member for good (`fleet forget NODE`) ---
// Refused while the node is present (its sidecar runs and would be counted again); forgetting a
// node that holds a slot frees it in the same txn.
struct ForgetDecision {
  enum class Kind { forget, present, not_member, unreadable } kind = Kind::not_member;
  bool delete_member = false;  // delete member_key(prefix, node)
  bool write_budget = false;   // also put the budget (compare as in ReleaseDecision)
  BudgetRecord budget;
  std::int64_t compare_revision = 0;
  std::optional<Slot> released;
  std::string message;
};
ForgetDecision decide_forget(const FleetView& view, std::string_view node, double now_unix);

// --- verified return (`maintenance off --verify`) ---
// One check as the status file shows it while the service is still in maintenance.
struct VerifyCheck {
  std::string name;
  bool degrade = false;  // on_failure "degrade": never holds the return back
  bool ok = false;
  std::string reason;  // the probe reason when failing ("connection_refused")
  int consecutive_successes = 0;
};

struct VerifyInput {
  std::string service;
  sidecar::Policy policy;
  std::vector<VerifyCheck> checks;
  int rise = 3;
  bool timed_out = false;  // the --timeout passed
  double now_unix = 0;
  bool fleet = true;  // this node is in a fleet (a slot to keep); false: no `fleet` block
};

struct VerifyDecision {
  enum class Kind { passed, waiting, failed } kind = Kind::waiting;
  int passing_rounds = 0;  // rounds in a row the policy held over the down checks
  VerifyRecord record;     // passed / failed: what the presence and the status file show
  std::string message;     // "2 of 3 passing rounds", "local-zone: connection_refused", ...
};
// Passed after `rise` rounds in a row in which the policy held over the "down" checks (the
// rounds of policy "all" are the fewest consecutive successes of them, of "any" the most, of
// "quorum N" the N-th most: never more than really passed in a row). Failed only at the
// timeout, naming the first failing down check: a resolver that restarts slowly fails its first
// rounds and must not fail the verification for that.
VerifyDecision decide_verify(const VerifyInput& input);

}  // namespace fleet
