#pragma once
#include <string>
#include <vector>

namespace sidecar {
// `anycast-sidecar maintenance on|off|show --config FILE [--service NAME] [--reason TEXT]`.
int run_maintenance_command(const std::vector<std::string>& args);

struct Config;
// `maintenance off`: the fleet slot back, unless a service of this node is still in maintenance.
// 0 given back (or none held); 1 etcd could not be asked (printed, with the command to run).
int give_slot_back(const Config& config);
}  // namespace sidecar
