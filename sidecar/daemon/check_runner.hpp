#pragma once
// Runs a service's checks, all at once on the loop, and judges them with the service's policy.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <vector>

#include "probes/check.hpp"
#include "probes/dns_prober.hpp"
#include "sidecar/config/config.hpp"
#include "sidecar/policy/check_policy.hpp"

namespace sidecar {

boost::asio::awaitable<probes::CheckResult> run_check(probes::DnsProber& prober,
                                                      const CheckConfig& check);
// A round in flight: each check's result as it comes, and a way to end a check before its probe
// does, with evidence the probe cannot give sooner (the kernel shows the resolver reading nothing
// while our query waits in its socket). The first result for a check wins; a probe finishing
// later is dropped (Boost 1.74 cannot cancel it; it ends at its own deadline).
class Round {
 public:
  Round(boost::asio::any_io_executor ex, std::size_t checks);
  bool pending(std::size_t i) const { return i < results_.size() && !finished_[i]; }
  void finish(std::size_t i, probes::CheckResult result);
  bool done() const { return left_ == 0; }

 private:
  friend boost::asio::awaitable<std::vector<probes::CheckResult>> run_checks(
      probes::DnsProber&, std::vector<CheckConfig>, std::shared_ptr<Round>);
  boost::asio::steady_timer done_;
  std::vector<probes::CheckResult> results_;
  std::vector<bool> finished_;
  std::size_t left_;
};

// Results in the order of `checks`; every check runs concurrently, none can throw. `round`
// (optional, sized for `checks`) lets the caller end a check early.
boost::asio::awaitable<std::vector<probes::CheckResult>> run_checks(
    probes::DnsProber& prober, std::vector<CheckConfig> checks,
    std::shared_ptr<Round> round = nullptr);

}  // namespace sidecar
