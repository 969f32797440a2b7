#include "sidecar/lib/log.hpp"
#include "sidecar/lib/enum_names.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace sidecar::log {
namespace {

Level g_level = Level::info;
int g_fd = 2;
bool g_is_socket = false;
std::uint64_t g_dropped = 0;

// Values with spaces, quotes or control characters are quoted and escaped so that every event is
// exactly one line, whatever a DNS reply or ExaBGP sent us.
void append_value(std::string& out, std::string_view value) {
  bool quote = value.empty();
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) quote = true;
  }
  if (!quote) {
    out.append(value);
    return;
  }
  out.push_back('"');
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < ' ' || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out.append(buf);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
}

}  // namespace

std::string_view to_string(Level level) {
  return text::name_of(kLevelNames, level, "info");
}

bool parse_level(std::string_view name, Level* out) {
  auto level = text::value_of(kLevelNames, name);
  if (level) *out = *level;
  return level.has_value();
}

void set_level(Level level) {
  g_level = level;
}
bool enabled(Level level) {
  return level >= g_level;
}
std::uint64_t dropped_lines() {
  return g_dropped;
}

void init_nonblocking_stderr() {
  struct stat st {};
  if (fstat(2, &st) != 0) return;
  if (S_ISSOCK(st.st_mode)) {
    g_is_socket = true;  // journald: send(MSG_DONTWAIT) per line
    return;
  }
  if (S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)) {
    int fd = ::open("/proc/self/fd/2", O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) g_fd = fd;
  }
}

void write(Level level, std::string_view event, std::initializer_list<Field> fields) {
  if (!enabled(level)) return;
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t t = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(ms));
  std::string line;
  line.reserve(160);
  line.append(stamp).append(" ").append(to_string(level)).append(" ");
  append_value(line, event);
  for (const auto& [key, value] : fields) {
    line.push_back(' ');
    line.append(key).push_back('=');
    append_value(line, value);
  }
  line.push_back('\n');
  ssize_t n = g_is_socket ? ::send(g_fd, line.data(), line.size(), MSG_DONTWAIT | MSG_NOSIGNAL)
                          : ::write(g_fd, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) ++g_dropped;
}

}  // namespace sidecar::log
