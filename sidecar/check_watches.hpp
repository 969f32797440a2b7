#pragma once
// The watches of one service: a probes::TcpWatch per DNS check with checks[].watch, their news
// logged, and "the resolver is gone" turned into a call that runs the service's round now.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "probes/tcp_watch.hpp"
#include "sidecar/config.hpp"
#include "sidecar/daemon_context.hpp"

namespace sidecar {

class CheckWatches {
 public:
  CheckWatches(DaemonContext& ctx, std::string service, std::function<void()> run_round_now);
  ~CheckWatches();
  // Starts the watches of `cfg`; a reload that changes no watched check's server:port, timeout or
  // interval keeps the connections as they are.
  void configure(const ServiceConfig& cfg);
  // This round's results, in the order of the service's checks.
  void results(const std::vector<probes::CheckResult>& results);
  void stop();

 private:
  struct Entry {
    std::string key;                          // what a reload compares
    std::shared_ptr<probes::TcpWatch> watch;  // null: this check is not watched
  };
  DaemonContext& ctx_;
  std::string service_;
  std::function<void()> run_round_now_;
  std::vector<Entry> entries_;
};

}  // namespace sidecar
