#pragma once
// `anycast-sidecar fleet [--config FILE] [--json]`, `fleet release NODE --reason TEXT`,
// `fleet forget NODE --reason TEXT`, and the fleet's steps of `maintenance` (take the slot before
// going out, give it back after). Each step is one etcd exchange on a loop of the command's own.
#include <string>
#include <vector>

#include "sidecar/config/config.hpp"
#include "sidecar/fleet/fleet_store.hpp"

namespace sidecar {

// EX_TEMPFAIL: the fleet refused (no slot free) or could not be asked; nothing changed, try
// again later (apt and unattended-upgrades do).
inline constexpr int kExitTempFail = 75;

int run_fleet_command(const std::vector<std::string>& args);

FleetOutcome fleet_take_slot(const FleetConfig& fleet, const std::string& reason);
FleetOutcome fleet_release_slot(const FleetConfig& fleet, const std::string& node);

}  // namespace sidecar
