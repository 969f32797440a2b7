#include "sidecar/lib/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sidecar/lib/printable.hpp"

namespace sidecar {
namespace {

std::string kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

FileText read_regular_file(const std::string& path, std::size_t max) {
  FileText out;
  const auto shown = text::printable(path, 300);
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever.
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    out.error = shown + ": cannot read: " + std::strerror(errno) +
                " (check the path and that this user may read it)";
    return out;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    out.error = shown + ": is " + kind(st.st_mode) + ", not a regular file (name the file itself)";
    ::close(fd);
    return out;
  }
  std::string text;
  char chunk[16384];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out.error = shown + ": cannot read: " + std::strerror(errno);
      ::close(fd);
      return out;
    }
    if (n == 0) break;
    text.append(chunk, static_cast<std::size_t>(n));
    if (text.size() > max) {
      out.error = shown + ": larger than " + std::to_string(max / (1024 * 1024)) +
                  " MiB: is this the right file?";
      ::close(fd);
      return out;
    }
  }
  ::close(fd);
  out.text = std::move(text);
  return out;
}

}  // namespace sidecar
