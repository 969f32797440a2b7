#pragma once
// `anycast-sidecar run --config FILE`: arguments and configuration, then run_daemon.
#include <string>
#include <vector>

namespace sidecar {

int run_daemon_command(const std::vector<std::string>& args);

}  // namespace sidecar
