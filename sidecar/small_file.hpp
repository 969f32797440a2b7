#pragma once
// Reads a small local file that another program (or a person) may have replaced by anything:
// never blocks (a FIFO, a device or a socket is refused, not opened for reading and waited on),
// never follows a symlink at the last component, and never reads more than `max_bytes`.
#include <cstddef>
#include <optional>
#include <string>

namespace sidecar {

// The file's content, or nullopt with *error naming the file, what is wrong and the fix.
std::optional<std::string> read_small_file(const std::string& path, std::size_t max_bytes,
                                           std::string* error = nullptr);

}  // namespace sidecar
