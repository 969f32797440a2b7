#pragma once
// The per-service maintenance file: its existence puts the service in maintenance, its first line
// is the reason, its mtime is "since". Written atomically; never read or written through a symlink.
#include <cstddef>
#include <optional>
#include <string>

namespace sidecar {

// A reason is at most this many bytes of valid, printable UTF-8 (cut on a character boundary).
inline constexpr std::size_t kMaxReason = 512;

struct Maintenance {
  std::string reason;
  double since_unix = 0;
};

// Bounded read (1 KiB); nullopt when the file does not exist. A file that exists but cannot be
// read still means maintenance (the operator's intent is the file's presence).
std::optional<Maintenance> read_maintenance(const std::string& path);
// Creates (or replaces) the file with the reason; returns an error message naming the fix.
std::optional<std::string> write_maintenance(const std::string& path, const std::string& reason);
// Removes it; returns an error message, nullopt when removed or already absent.
std::optional<std::string> remove_maintenance(const std::string& path);

}  // namespace sidecar
