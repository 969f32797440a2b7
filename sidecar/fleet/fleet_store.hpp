#pragma once
// The fleet's operations on etcd, each a read of the prefix, a pure decision (fleet_policy.hpp)
// and at most one txn that compares the budget key's mod_revision with the one the decision was
// made from: two nodes deciding from the same snapshot cannot both write, the loser re-reads and
// decides again (and then sees the winner's slot). Used by the CLI (maintenance, fleet) and the
// daemon's agent (join).
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <map>
#include <optional>
#include <string>

#include "sidecar/fleet/etcd_client.hpp"
#include "sidecar/fleet/fleet_floor.hpp"
#include "sidecar/fleet/fleet_policy.hpp"

namespace sidecar {

// The fleet as read at one revision, or why it could not be read.
struct FleetRead {
  std::optional<fleet::FleetView> view;
  std::int64_t revision = 0;
  std::string error;  // etcd unreachable or answering garbage
  // The floor records' keys as read (fleet_floor.hpp), by key.
  std::map<std::string, fleet::RawKv> floors{};
};
// log_skipped: one log line per unreadable record (the commands); the daemon's floor reads
// often and leaves that to its watch, which logs each bad record once.
boost::asio::awaitable<FleetRead> read_fleet(etcd::Client& client, const std::string& prefix,
                                             bool log_skipped = true);

// What an operation did, for the operator: ok false with `error` when etcd could not be asked
// (unreachable: the caller changes nothing and says so), else the decision's kind and message.
struct FleetOutcome {
  enum class Kind { done, already, refused, not_found, error } kind = Kind::error;
  std::string message;
};

// `maintenance on`: a slot of the budget for `node`, in one txn. done: taken; already: this node
// held one; refused: the budget is spent (message names who is out and since when).
boost::asio::awaitable<FleetOutcome> take_slot(etcd::Client& client, const FleetConfig& fleet,
                                               const std::string& reason);
// `maintenance off`, `fleet release NODE`: gives NODE's slot back. not_found: it held none.
boost::asio::awaitable<FleetOutcome> release_slot(etcd::Client& client, const std::string& prefix,
                                                  const std::string& node);
// `fleet forget NODE`: deletes its member record (and frees its slot) in one txn; refused while
// the node is present.
boost::asio::awaitable<FleetOutcome> forget_member(etcd::Client& client, const std::string& prefix,
                                                   const std::string& node);
// The daemon's join: the member record, created only when absent (it outlives the node and keeps
// its first joined_unix).
boost::asio::awaitable<FleetOutcome> join_fleet(etcd::Client& client, const std::string& prefix,
                                                const fleet::MemberRecord& member);

// The daemon's floor (fleet_floor.hpp): read, decide, and when the decision writes, one txn
// comparing the floor key's mod_revision; a conflict reads and decides again. The decision, or
// the error (etcd unreachable, or the record kept changing): the caller keeps what it had.
struct FloorOutcome {
  std::optional<fleet::FloorDecision> decision;
  std::string error;
};
boost::asio::awaitable<FloorOutcome> settle_floor(etcd::Client& client, const std::string& prefix,
                                                  const fleet::FloorRequest& request);

// For the CLI: runs one coroutine on a loop of its own to the end and returns its value.
template <class T>
T run_to_end(boost::asio::io_context& io, boost::asio::awaitable<T> coroutine);

}  // namespace sidecar

#include "sidecar/fleet/fleet_store_run.hpp"
