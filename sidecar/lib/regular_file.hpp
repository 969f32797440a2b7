#pragma once
// Reading a small file named by an operator without ever blocking: a FIFO, a device or a folder
// at that path is refused at once (open with O_NONBLOCK, then fstat), a file over `max` bytes is
// refused instead of loaded. `check-config` and `status` once hung forever on a FIFO.
#include <cstddef>
#include <optional>
#include <string>

namespace sidecar {

struct FileText {
  std::optional<std::string> text;  // set when read
  std::string error;                // otherwise why not, naming the path and the fix
};

FileText read_regular_file(const std::string& path, std::size_t max);

}  // namespace sidecar
