#pragma once
// What every part of the running daemon shares: the loop, the ExaBGP bridge, the prober, and the
// two ways back to the daemon (start a supervised coroutine; say the status changed). One object,
// owned by the Daemon, passed by reference, so the parts never reach into each other.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>

#include "exabgp-bridge/bridge.hpp"
#include "probes/dns_prober.hpp"
#include "sidecar/fleet/fleet_floor.hpp"
#include "sidecar/policy/schedule_stats.hpp"
#include "sidecar/status/fleet_view.hpp"

namespace sidecar {

class WatchHub;

struct DaemonContext {
  boost::asio::io_context& io;
  bridge::Bridge& bridge;
  probes::DnsProber& prober;
  // Starts a coroutine whose exception (a bug) withdraws every route and exits 70.
  std::function<void(const char* task, boost::asio::awaitable<void>)> spawn;
  std::function<void()> status_changed;
  bool stopping = false;          // SIGTERM, EOF or an internal error: no new rounds
  bool hitless_restart = true;    // exabgp.hitless_restart as started
  ScheduleStats schedule{};       // every service's round lag, for the status and metrics files
  WatchHub* watch_hub = nullptr;  // the resolvers' shared watches (the daemon's)
  // The status file's fleet object (off when the configuration has no fleet block).
  std::function<FleetStatusView()> fleet_status{};
  // The fleet floor (fleet.min_announcing > 0): may this route prefix be withdrawn now for this
  // wish? False: keep it announced with when_degraded. Unset without a floor. Never waits.
  std::function<bool(const std::string& prefix, fleet::FloorWish wish)> floor_allows{};
};

}  // namespace sidecar
