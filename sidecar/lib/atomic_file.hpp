#pragma once
// Atomic replacement of a small file: a temporary file in the same folder (created exclusively,
// never through a symlink), then rename(). A reader sees the old or the new file, never a torn one.
#include <optional>
#include <string>
#include <string_view>

namespace sidecar {

// Returns an error message naming the path and the fix, or nullopt on success.
std::optional<std::string> write_file_atomically(const std::string& path, std::string_view content,
                                                 unsigned mode = 0644);

}  // namespace sidecar
