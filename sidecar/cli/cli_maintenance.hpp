#pragma once
#include <string>
#include <vector>

namespace sidecar {
// `anycast-sidecar maintenance on|off|show --config FILE [--service NAME] [--reason TEXT]`.
int run_maintenance_command(const std::vector<std::string>& args);
}  // namespace sidecar
