#include "sidecar/lib/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sidecar {

std::optional<std::string> write_file_atomically(const std::string& path, std::string_view content,
                                                 unsigned mode) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
  std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string tmp = dir + "/." + base + ".tmp." + std::to_string(::getpid());
  auto fail = [&](const char* what) {
    std::string msg = std::string(what) + " " + tmp + ": " + std::strerror(errno);
    if (errno == ENOENT) msg += " (create the folder " + dir + ", e.g. systemd RuntimeDirectory=)";
    if (errno == EACCES) msg += " (make " + dir + " writable by this user)";
    return msg;
  };
  // O_EXCL|O_NOFOLLOW: a symlink or file planted at the temporary name is never followed; a stale
  // one left by a crash of this very pid is removed once and the create retried.
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0 && errno == EEXIST) {
    ::unlink(tmp.c_str());
    fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
  }
  if (fd < 0) return fail("cannot create");
  std::size_t off = 0;
  while (off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto msg = fail("cannot write");
      ::close(fd);
      ::unlink(tmp.c_str());
      return msg;
    }
    off += static_cast<std::size_t>(n);
  }
  ::fchmod(fd, mode);  // the umask must not make the status unreadable to monitoring
  ::close(fd);
  // rename() replaces a symlink at `path` itself rather than following it.
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto msg = std::string("cannot rename ") + tmp + " to " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return msg;
  }
  return std::nullopt;
}

}  // namespace sidecar
