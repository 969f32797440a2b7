#pragma once
// The watches of one service: a subscription to the daemon's shared watch (WatchHub) of each DNS
// check's server:port with checks[].watch, "the resolver is gone" turned into a call that runs
// the service's round now.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <cstdint>

#include "sidecar/config/config.hpp"
#include "sidecar/daemon/daemon_context.hpp"

namespace sidecar {

class WatchHub;

class CheckWatches {
 public:
  CheckWatches(DaemonContext& ctx, std::function<void()> run_round_now);
  ~CheckWatches();
  // Starts the watches of `cfg`; a reload that changes no watched check's server:port, timeout or
  // interval keeps the connections as they are.
  void configure(const ServiceConfig& cfg);
  // This round's results, in the order of the service's checks.
  void results(const std::vector<probes::CheckResult>& results);
  void stop();

 private:
  struct Entry {
    std::string key;          // what a reload compares
    std::uint64_t token = 0;  // the hub's subscription; 0: this check is not watched
  };
  WatchHub* hub_;  // the daemon's, copied at construction (null: no watches)
  std::function<void()> run_round_now_;
  std::vector<Entry> entries_;
};

}  // namespace sidecar
