#pragma once
// Runs a service's checks, all at once on the loop, and judges them with the service's policy.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <vector>

#include "probes/check.hpp"
#include "probes/dns_prober.hpp"
#include "sidecar/config/config.hpp"
#include "sidecar/policy/check_policy.hpp"

namespace sidecar {

boost::asio::awaitable<probes::CheckResult> run_check(probes::DnsProber& prober,
                                                      const CheckConfig& check);
// Results in the order of `checks`; every check runs concurrently, none can throw.
boost::asio::awaitable<std::vector<probes::CheckResult>> run_checks(
    probes::DnsProber& prober, std::vector<CheckConfig> checks);

}  // namespace sidecar
