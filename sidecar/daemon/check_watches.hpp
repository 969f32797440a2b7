#pragma once
// The watches of one service: a subscription to the daemon's shared watch (WatchHub) of each DNS
// check's server:port with checks[].watch, "the resolver is gone" turned into a call that runs
// the service's round now; and the kernel's view of each DNS check's server:port UDP socket
// (checks[].stall_ms), every sample handed to the service with the check's index.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <cstdint>

#include "sidecar/config/config.hpp"
#include "sidecar/daemon/daemon_context.hpp"

namespace sidecar {

class WatchHub;
}  // namespace sidecar
namespace probes {
class QueuePolicy;
}  // namespace probes
namespace sidecar {

class CheckWatches {
 public:
  using QueueCall =
      std::function<void(std::size_t check, const probes::QueuePolicy&, bool trigger)>;
  CheckWatches(DaemonContext& ctx, std::function<void()> run_round_now, QueueCall on_queue);
  ~CheckWatches();
  // Starts the watches of `cfg`; a reload that changes no watched check's server:port, timeout or
  // interval keeps the connections as they are.
  void configure(const ServiceConfig& cfg);
  // This round's results, in the order of the service's checks.
  void results(const std::vector<probes::CheckResult>& results);
  void stop();
  // Check i's stall evidence now (null: not read, stall_ms 0 or an exec check).
  const probes::QueuePolicy* queue(std::size_t i) const;
  // Whether each check's resolver socket is stalled now, in the order of the checks.
  std::vector<bool> stalled() const;

 private:
  struct Entry {
    std::string key;          // what a reload compares
    std::uint64_t token = 0;  // the hub's subscription; 0: this check is not watched
    std::uint64_t queue = 0;  // the hub's queue subscription; 0: none
  };
  WatchHub* hub_;  // the daemon's, copied at construction (null: no watches)
  std::function<void()> run_round_now_;
  QueueCall on_queue_;
  std::vector<Entry> entries_;
};

}  // namespace sidecar
