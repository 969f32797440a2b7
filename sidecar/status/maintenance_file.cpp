#include "sidecar/status/maintenance_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sidecar/lib/atomic_file.hpp"
#include "sidecar/lib/printable.hpp"

namespace sidecar {

std::optional<Maintenance> read_maintenance(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  Maintenance m;
  m.since_unix = static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9;
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    m.reason = std::string("(maintenance file unreadable: ") + std::strerror(errno) + ")";
    return m;
  }
  char buf[1024];
  ssize_t n = S_ISREG(st.st_mode) ? ::read(fd, buf, sizeof buf) : 0;
  ::close(fd);
  std::string text(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
  auto nl = text.find('\n');
  if (nl != std::string::npos) text.resize(nl);
  for (auto& c : text) {
    if (c == '\t' || c == '\r') c = ' ';
  }
  // The file is anyone's text (an old terminal's Latin-1, a cut accented letter): the reason
  // enters the status file here, so it is made valid, printable UTF-8 here.
  m.reason = text::printable(text, kMaxReason);
  if (m.reason.empty()) m.reason = "maintenance";
  return m;
}

std::optional<std::string> write_maintenance(const std::string& path, const std::string& reason) {
  std::string line = reason;
  for (auto& c : line) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  // Cut on a character boundary: a byte cut of "é" would be an invalid reason forever after.
  line = text::printable(line, kMaxReason);
  return write_file_atomically(path, line + "\n", 0644);
}

std::optional<std::string> remove_maintenance(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return "cannot remove " + path + ": " + std::strerror(errno);
  }
  return std::nullopt;
}

}  // namespace sidecar
