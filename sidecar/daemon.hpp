#pragma once
// `anycast-sidecar run --config FILE`: the daemon ExaBGP starts as its process child.
#include <string>
#include <vector>

namespace sidecar {

int run_daemon_command(const std::vector<std::string>& args);

}  // namespace sidecar
