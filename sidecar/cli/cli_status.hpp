#pragma once
#include <string>
#include <vector>

namespace sidecar {
// `anycast-sidecar status [--config FILE | --status-file FILE] [--json] [--max-age SECONDS]`.
int run_status_command(const std::vector<std::string>& args);
}  // namespace sidecar
