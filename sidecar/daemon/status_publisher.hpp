#pragma once
// The status file and the metrics file: what goes in them (a snapshot of the bridge and every
// service) and when they are written. The status file soon (20 ms, more for a large file) after
// something a reader acts on changed, however many services decide meanwhile, and otherwise once
// per heartbeat (1 s), so a stale file means a stuck loop; the metrics file once a second, or at
// once when something an alert keys on changes.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sidecar/config/config.hpp"
#include "sidecar/daemon/daemon_context.hpp"
#include "sidecar/daemon/service_runner.hpp"
#include "sidecar/status/status_model.hpp"

namespace sidecar {

// The longest the status file goes unwritten while the daemon runs (deploy/docs/monitoring.md, "The
// status file"): `status --max-age` defaults to at least 5 s, well above it.
inline constexpr std::chrono::milliseconds kStatusHeartbeat{1000};

class StatusPublisher {
 public:
  using Services = std::vector<std::shared_ptr<ServiceRunner>>;
  StatusPublisher(DaemonContext& ctx, const Config& config, const Services& services,
                  const std::vector<std::string>& config_error);

  void start();      // spawns the writer loop
  void changed();    // something worth showing changed: write soon (within 20 ms)
  void write_now();  // the final write before exit
  void finish();     // no more writes; the loop ends
  // The neighbors the previous instance last saw, shown until ExaBGP reports each peer itself.
  void inherit_neighbors(std::vector<NeighborView> neighbors) {
    inherited_neighbors_ = std::move(neighbors);
  }
  // A SIGHUP was handled: accepted (no problems) or rejected with its problems.
  void reloaded(std::vector<std::string> problems);

 private:
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<Clock::duration> write_in_steps();
  StatusSnapshot take_snapshot();  // for a write: clears dirty, logs a bridge state change
  void commit(const StatusSnapshot& snap, const std::string& text);  // status, then metrics
  StatusSnapshot snapshot();
  void report_write_error(const char* what, const std::optional<std::string>& error);

  DaemonContext& ctx_;
  const Config& config_;      // the daemon's current one (a reload changes paths, intervals)
  const Services& services_;  // likewise
  const std::vector<std::string>& config_error_;  // the problems while running on an invalid one
  boost::asio::steady_timer timer_;
  bool finished_ = false;
  bool dirty_ = false;
  bool throttled_ = false;
  double started_unix_ = 0;
  std::uint64_t seq_ = 0;
  Clock::time_point last_write_{};
  Clock::time_point last_metrics_write_{};
  std::string last_metrics_key_;
  bridge::LinkState last_bridge_state_ = bridge::LinkState::ok;
  std::map<std::string, Clock::time_point> write_error_logged_;
  std::map<std::string, std::string> write_errors_;  // file role -> "role path: error"
  std::optional<double> reloaded_unix_;
  std::vector<NeighborView> inherited_neighbors_;
  std::vector<std::string> reload_error_;
};

}  // namespace sidecar
