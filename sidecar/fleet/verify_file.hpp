#pragma once
// The outcome of the last `maintenance off --verify` on this node, kept in a small file beside
// the status file (fleet-verify.json): the CLI writes it, the daemon shows it in the status file
// (fleet.verify) and in its presence, so `status` on this node and `fleet` on any node say that
// verification failed, which check and why, for as long as the node stays out. Removed by the
// next `maintenance on` (a new attempt starts clean).
#include <optional>
#include <string>

#include "sidecar/config/config.hpp"
#include "sidecar/fleet/fleet_records.hpp"

namespace sidecar {

std::string verify_file_path(const Config& config);
// Bounded read; nullopt when absent or unreadable (a garbled file shows nothing, never crashes).
std::optional<fleet::VerifyRecord> read_verify_file(const std::string& path);
std::optional<std::string> write_verify_file(const std::string& path,
                                             const fleet::VerifyRecord& record);
void remove_verify_file(const std::string& path);

}  // namespace sidecar
