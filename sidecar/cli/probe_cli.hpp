#pragma once
#include <string>
#include <vector>

#include "sidecar/cli/probe_args.hpp"

namespace sidecar {
// `anycast-sidecar probe ...` (args after the word "probe"). Exit 0 all attempts passed, 1 some
// failed, 2 all failed, 3 usage error.
int run_probe_command(const std::vector<std::string>& args);
// `probe --config FILE [--service NAME]`: every configured check once, judged as the daemon does.
int run_probe_config_mode(const ProbeArgs& args);
}  // namespace sidecar
