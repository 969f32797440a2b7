#pragma once
// The daemon's part in the fleet, on the daemon's loop: it joins once (the member record), keeps
// a presence record under a lease of fleet.lease_ttl_s alive (a keepalive every TTL/3), rewrites
// the presence when this node's services change, and watches the fleet's prefix for the view the
// status file shows (no polling: a range, then one watch stream).
//
// etcd slow, down or partitioned away changes nothing about routing: nothing here is on the path
// of a decision. The agent only notes "unreachable" with the time and the error, keeps retrying
// (once a second, at most TTL/3 apart) and, once etcd answers again, grants a new lease if the
// old one expired and republishes the presence at once: the node is present again within a
// second or two of etcd's return, well within the TTL.
//
// The fleet floor (fleet.min_announcing > 0, fleet_floor.hpp) is the one part on the path of a
// routing decision, and it never blocks it: a service asks floor_allows() each round and gets
// the answer already known; a new wish is settled by floor_loop (read, decide, txn) on a client
// of its own, and the answer comes back through `floor_changed`. A soft withdraw is held until
// etcd allowed it: when etcd cannot be asked the route stays announced (failing open, see
// deploy/docs/fleet.md); a hard one is never held.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sidecar/config/config.hpp"
#include "sidecar/fleet/etcd_client.hpp"
#include "sidecar/fleet/fleet_floor.hpp"
#include "sidecar/fleet/fleet_policy.hpp"
#include "sidecar/status/fleet_view.hpp"

namespace sidecar {

class FleetAgent {
 public:
  // presence: this node's services as a record (called when the agent publishes);
  // changed: the fleet's status changed (state, slot, view): the status file should be written;
  // spawn: starts a supervised coroutine (the daemon's).
  using Presence = std::function<fleet::PresenceRecord()>;
  using Spawn = std::function<void(const char*, boost::asio::awaitable<void>)>;
  FleetAgent(boost::asio::io_context& io, FleetConfig config, etcd::ClientOptions options,
             Presence presence, std::function<void()> changed, Spawn spawn);

  // The floor's answer changed: the services should apply their routes again.
  void on_floor_changed(std::function<void()> f) { floor_changed_ = std::move(f); }

  void start();
  // The services' state may have changed: publish the presence soon if its content differs.
  void presence_changed();
  void stop();
  // Shutting down (the routes are being withdrawn): stops, then revokes the lease so that the
  // presence goes at once and no node counts this one as announcing for the rest of the TTL (the
  // fleet floor). At most 200 ms per endpoint; on failure the presence expires with its TTL.
  boost::asio::awaitable<void> leave();

  // The fleet floor: a route's wish this round (fleet_floor.hpp). False: the floor holds the
  // route up (announce it with when_degraded); true: do what the service says. Never waits.
  bool floor_allows(const std::string& route_prefix, fleet::FloorWish wish);
  std::vector<std::string> floor_holds() const;  // prefixes held now, for the presence

  // What the status file shows (verify is the daemon's to add).
  const FleetStatusView& status() const { return status_; }

 private:
  boost::asio::awaitable<void> session_loop();
  boost::asio::awaitable<void> watch_loop();
  boost::asio::awaitable<bool> publish_presence();
  boost::asio::awaitable<void> pause(boost::asio::steady_timer& timer, std::chrono::milliseconds d);
  void reachable();
  void unreachable(const std::string& why);
  void rebuild_view();
  boost::asio::awaitable<void> floor_loop();
  void floor_settled(const std::string& route_prefix, const fleet::FloorDecision& d);

  // One route prefix under the floor: the latest wish, whether etcd has settled it, and whether
  // the floor holds it (a soft withdraw not yet allowed).
  struct FloorEntry {
    fleet::FloorWish wish = fleet::FloorWish::none;
    bool settled = false;
    std::uint64_t asked = 0;  // bumped by every new question (a new wish, the fleet changed)
    bool held = false;
    bool logged = false;  // a floor_hold line was written: its end gets a floor_released line
    std::string why;
  };

  boost::asio::io_context& io_;
  FleetConfig config_;
  etcd::ClientOptions options_;
  Presence presence_;
  std::function<void()> changed_;
  Spawn spawn_;
  etcd::Client session_;       // join, lease, presence: one call at a time from session_loop
  etcd::Client watcher_;       // the range and the watch stream of watch_loop
  etcd::Client floor_client_;  // the floor's reads and txns, from floor_loop
  boost::asio::steady_timer floor_timer_;
  std::map<std::string, FloorEntry> floor_;
  std::function<void()> floor_changed_;
  boost::asio::steady_timer session_timer_;
  boost::asio::steady_timer watch_timer_;
  bool stopped_ = false;
  bool joined_ = false;
  bool presence_dirty_ = true;
  std::int64_t lease_ = 0;
  std::optional<fleet::PresenceRecord> published_;
  std::map<std::string, fleet::RawKv> keys_;  // the prefix as the watch last showed it
  fleet::PresenceMemory presence_memory_;     // when each presence was seen vanishing
  std::set<std::string> skipped_logged_;      // bad records already logged once
  FleetStatusView status_;
};

}  // namespace sidecar
