#pragma once
// Restarting the daemon in place: exec() of our own binary with `run --config FILE`. The pid
// and the pipes to ExaBGP stay (exec keeps fds 0-2; ours are close-on-exec), so ExaBGP counts no
// child death.
#include <string>

namespace sidecar {

// Returns only if exec failed (logged).
void reexec_self(const std::string& config_path);

}  // namespace sidecar
