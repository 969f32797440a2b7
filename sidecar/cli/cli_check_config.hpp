#pragma once
#include <string>
#include <vector>

namespace sidecar {
// `anycast-sidecar check-config --config FILE`: exit 0 valid, 1 invalid (one line per problem).
int run_check_config_command(const std::vector<std::string>& args);
}  // namespace sidecar
