#pragma once
// The bridge's decisions, pure: desired state per route (coalesced), acknowledgement accounting,
// liveness pings and stall detection. Time is passed in; no I/O, no Asio. The I/O adapter
// (bridge.hpp) feeds it bytes and asks it what to write.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exabgp-bridge/api_message.hpp"
#include "exabgp-bridge/neighbor_table.hpp"
#include "sidecar/lib/enum_names.hpp"

namespace bridge {

using Clock = std::chrono::steady_clock;

struct BridgeOptions {
  bool ack = true;  // ExaBGP's exabgp.api.ack: every command is answered "done" or "error"
  std::chrono::milliseconds ack_timeout{5000};
  std::chrono::milliseconds ping_interval{10000};
  std::size_t max_neighbors = 256;  // bound on remembered neighbor states
};

enum class LinkState { ok, stalled, gone };
inline constexpr text::EnumName<LinkState> kLinkStateNames[] = {
    {LinkState::ok, "ok"}, {LinkState::stalled, "stalled"}, {LinkState::gone, "gone"}};
std::string_view to_string(LinkState state);

using NeighborInfo = NeighborState;  // peer, state ("up" | "down" | "connected" | ...), since

struct RouteStatus {
  bool known = false;      // set_desired was called for this key
  bool pending = false;    // the latest desired line is not yet written
  bool confirmed = false;  // written and (with ack) acknowledged "done", nothing newer pending
  bool rejected = false;   // ExaBGP answered "error" in the batch that carried the latest line
  std::string line;        // the latest desired line
};

struct BridgeCounters {
  std::uint64_t commands_written = 0;  // route commands and pings written to stdout
  std::uint64_t route_commands_written = 0;
  std::uint64_t pings_written = 0;
  std::uint64_t coalesced = 0;  // desired states replaced before they were written
  std::uint64_t acks_done = 0;
  std::uint64_t acks_error = 0;
  std::uint64_t unexpected_acks = 0;  // acks beyond what was pending
  std::uint64_t lines_read = 0;
  std::uint64_t unknown_lines = 0;
  std::uint64_t long_lines_discarded = 0;
  std::uint64_t bytes_read = 0;
  std::uint64_t stalls = 0;  // ok -> stalled transitions
};

// Events the owner reacts to, returned by on_line().
struct LineEvent {
  ApiMessage message;
  bool neighbor_changed = false;  // a neighbor's state changed (already recorded)
  bool shutdown = false;          // ExaBGP is shutting down: the owner should exit promptly
};

class BridgeCore {
 public:
  explicit BridgeCore(BridgeOptions options);

  // --- owner: desired state ---
  // Sets the latest desired command for a route. Replaces an unwritten one (coalescing); a line
  // equal to the last written one for the key is not written again unless resend_all() is called.
  void set_desired(const std::string& key, std::string line);
  // Marks every known route's latest line to be written again (neighbor up, recovery from stall).
  void resend_all();
  // A route nobody owns any more (a reload dropped it, or the previous instance announced it):
  // its withdraw line is written once and the key is forgotten when ExaBGP acknowledged it (when
  // written, with ack off). A later resend_all (neighbor up, stall recovery, refresh) then sends
  // exactly the current desired state, never an old withdraw after a newer announce that
  // replaced it. set_desired on the key makes it owned again.
  void retire(const std::string& key, std::string withdraw_line);
  // Drops a route from the bookkeeping at once.
  void forget(const std::string& key);
  RouteStatus route_status(const std::string& key) const;
  // The keys retired and not yet forgotten (their withdraw not yet acknowledged): the status file
  // lists them, so an instance started after a kill in that window still withdraws them.
  std::vector<std::string> retired_keys() const;

  // --- writer side ---
  // The lines to write now (without newlines), possibly a "version" ping; empty when there is
  // nothing to do or flow control holds. Withdraws come first: an announce that replaces a
  // withdrawn key of the same prefix ("neighbor X withdraw route P" then "announce route P")
  // must be the last word, whatever the keys' order.
  // With ack on nothing is written while acks are pending, so a stuck ExaBGP holds at most one
  // batch and later states coalesce here.
  std::vector<std::string> take_batch(Clock::time_point now);
  void on_write_finished(Clock::time_point now);  // the batch from take_batch is fully written
  // When the writer should wake up next even if nothing is set (ping due, stall deadline).
  std::optional<Clock::time_point> next_wakeup(Clock::time_point now) const;
  bool write_in_progress() const { return writing_; }

  // --- reader side ---
  LineEvent on_line(std::string_view line, Clock::time_point now);
  void on_read_bytes(std::size_t n) { counters_.bytes_read += n; }
  void on_long_line_discarded() { ++counters_.long_lines_discarded; }
  void on_eof(Clock::time_point now);

  // --- time ---
  void tick(Clock::time_point now);  // re-evaluates stall state

  // --- queries ---
  LinkState state() const { return state_; }
  const std::string& detail() const { return detail_; }
  std::size_t pending_acks() const { return pending_acks_; }
  bool idle() const;  // nothing pending to write, nothing written unacknowledged
  std::optional<Clock::time_point> last_ack() const { return last_ack_; }
  const std::vector<NeighborInfo>& neighbors() const { return neighbors_.neighbors(); }
  const BridgeCounters& counters() const { return counters_; }
  const BridgeOptions& options() const { return options_; }
  // ExaBGP's release from its last version answer ("4.2.21"); "" until one arrived.
  const std::string& exabgp_version() const { return exabgp_version_; }

 private:
  struct Entry {
    std::string line;         // latest desired line
    bool pending = false;     // not yet handed to the writer
    bool rejected = false;    // the batch that carried the last write got an "error"
    std::uint64_t seq = 0;    // write sequence number of the last write of `line` (0: never)
    std::uint64_t batch = 0;  // batch that carried the last write
    bool retired = false;     // nobody owns the key: forget it once its withdraw is confirmed
  };
  void forget_confirmed_retired();
  void complete_batch();
  std::optional<Clock::time_point> next_ping(Clock::time_point now) const;
  bool can_write() const;
  BridgeOptions options_;
  std::map<std::string, Entry> routes_;
  NeighborTable neighbors_;
  BridgeCounters counters_;
  LinkState state_ = LinkState::ok;
  std::string detail_;
  bool writing_ = false;
  std::size_t pending_acks_ = 0;
  std::uint64_t written_seq_ = 0;       // commands handed to the writer
  std::uint64_t written_done_seq_ = 0;  // commands fully written to the pipe
  std::uint64_t acked_seq_ = 0;         // acks received (counted, not paired: 4.2 reorders them)
  std::uint64_t batch_seq_ = 0;
  bool batch_error_ = false;  // an "error" ack arrived for the batch in flight
  std::size_t batch_acks_ = 0;
  bool answered_while_unacked_ = false;  // a version answer came while acks were missing
  std::optional<Clock::time_point> last_ack_;
  std::optional<Clock::time_point> unacked_since_;  // when the batch awaiting acks was taken
  std::optional<Clock::time_point> write_started_;
  std::optional<Clock::time_point> last_sent_;
  bool ping_outstanding_ = false;  // ack off: a "version" awaits its answer
  std::optional<Clock::time_point> ping_sent_;
  std::string exabgp_version_;
};

}  // namespace bridge
