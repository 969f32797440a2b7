#pragma once
// `anycast-sidecar reload` and `anycast-sidecar restart`: signal the running daemon, found by the
// pid in its status file, and report what it did.
#include <string>
#include <vector>

namespace sidecar {

int run_reload_command(const std::vector<std::string>& args);
int run_restart_command(const std::vector<std::string>& args);

}  // namespace sidecar
