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
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "sidecar/config/config.hpp"
#include "sidecar/fleet/etcd_client.hpp"
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

  void start();
  // The services' state may have changed: publish the presence soon if its content differs.
  void presence_changed();
  void stop();

  // What the status file shows (verify and floor_hold are the daemon's to add).
  const FleetStatusView& status() const { return status_; }

 private:
  boost::asio::awaitable<void> session_loop();
  boost::asio::awaitable<void> watch_loop();
  boost::asio::awaitable<bool> publish_presence();
  boost::asio::awaitable<void> pause(boost::asio::steady_timer& timer, std::chrono::milliseconds d);
  void reachable();
  void unreachable(const std::string& why);
  void rebuild_view();

  boost::asio::io_context& io_;
  FleetConfig config_;
  Presence presence_;
  std::function<void()> changed_;
  Spawn spawn_;
  etcd::Client session_;  // join, lease, presence: one call at a time from session_loop
  etcd::Client watcher_;  // the range and the watch stream of watch_loop
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
