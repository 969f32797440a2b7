#pragma once
// `anycast-sidecar run --config FILE`: the daemon ExaBGP starts as its process child.
#include <string>
#include <vector>

#include "sidecar/config/config.hpp"

namespace sidecar {

// Runs the daemon until EOF, ExaBGP's shutdown, SIGTERM/SIGINT or an internal error; returns the
// exit status. With config_error non-empty, `config` holds defaults (and the status file path
// if it could be read): nothing is announced, the problems are in the status file, and a SIGHUP
// that finds a valid configuration restarts the process in place.
int run_daemon(const std::string& config_path, Config config,
               std::vector<std::string> config_error);

}  // namespace sidecar
