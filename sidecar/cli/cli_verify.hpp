#pragma once
// `maintenance off --verify`: the verified return (cli_maintenance.cpp hands over here).
#include <chrono>
#include <vector>

#include "sidecar/config/config.hpp"

namespace sidecar {

// Waits until the selected services' checks (which the daemon keeps running in maintenance)
// passed `rise` rounds in a row, then leaves maintenance, waits for ExaBGP's acknowledgement of
// the announcement and gives the fleet slot back: 0. Failing checks at the timeout: the services
// stay in maintenance, the slot stays held, the outcome is written where `status` shows it: 2.
int verify_and_return(const Config& config, const std::vector<const ServiceConfig*>& services,
                      std::chrono::seconds timeout);

}  // namespace sidecar
