#include "probes/queue_watch.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>

namespace probes {
namespace asio = boost::asio;

bool read_table(const std::string& path, std::size_t max, std::string& buffer, std::string& error,
                int& fd) {
  if (fd >= 0 && ::lseek(fd, 0, SEEK_SET) != 0) {
    ::close(fd);
    fd = -1;
  }
  if (fd < 0) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return false;
  }
  buffer.resize(std::max<std::size_t>(buffer.capacity(), 64 << 10));
  std::size_t used = 0;
  bool ok = true;
  for (;;) {
    if (used == buffer.size()) {
      if (buffer.size() >= max) {
        error = path + ": larger than " + std::to_string(max >> 20) +
                " MiB (that many UDP sockets): no stall evidence; set stall_ms 0 to stop reading";
        ok = false;
        break;
      }
      buffer.resize(std::min(max, buffer.size() * 2));
    }
    auto n = ::read(fd, buffer.data() + used, buffer.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = path + ": " + std::strerror(errno);
      ok = false;
      break;
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  if (!ok) {
    ::close(fd);
    fd = -1;
  }
  buffer.resize(ok ? used : 0);
  return ok;
}

struct QueueWatch::Impl {
  Impl(asio::io_context& io, QueuePolicy::Tuning tuning) : timer(io), policy(tuning) {}
  asio::steady_timer timer;
  QueuePolicy policy;
  TableAddress server;
  std::uint16_t port = 53;
  std::string path;
  std::string buffer;
  std::chrono::milliseconds period{20};
  std::function<void(const QueuePolicy&, bool)> on_sample;
  std::function<void(const std::string&)> on_problem;
  bool reported = false;  // a problem is said once, until a read works again
  bool stopped = false;
  int fd = -1;  // the table, kept open between samples (read_table)
  ~Impl() {
    if (fd >= 0) ::close(fd);
  }
};

QueueWatch::QueueWatch(asio::io_context& io, TableAddress server, std::uint16_t port,
                       QueuePolicy::Tuning tuning,
                       std::function<void(const QueuePolicy&, bool)> on_sample,
                       std::function<void(const std::string&)> on_problem)
    : impl_(std::make_unique<Impl>(io, tuning)) {
  impl_->server = server;
  impl_->port = port;
  impl_->path = table_path(server);
  // Five samples per window: a stall is seen within window + a fifth of it.
  impl_->period = std::max(std::chrono::milliseconds(5), tuning.window / 5);
  impl_->on_sample = std::move(on_sample);
  impl_->on_problem = std::move(on_problem);
}

QueueWatch::~QueueWatch() = default;

void QueueWatch::stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

const QueuePolicy& QueueWatch::policy() const {
  return impl_->policy;
}

asio::awaitable<void> QueueWatch::run() {
  auto self = shared_from_this();  // the hub may drop this watch while it waits
  auto& m = *impl_;
  auto next = QueuePolicy::Clock::now();
  while (!m.stopped) {
    std::string error;
    QueueSample s;
    if (read_table(m.path, kMaxTableBytes, m.buffer, error, m.fd)) {
      s = queue_sample(m.buffer, m.server, m.port);
      m.reported = false;
    } else if (!m.reported) {
      m.reported = true;
      m.on_problem(error);
    }
    auto now = QueuePolicy::Clock::now();
    auto d = m.policy.sample(s, now);
    m.on_sample(m.policy, d.trigger);
    // A fixed grid, re-based when late (a busy loop must not make samples bunch up).
    next += m.period;
    if (next < now) next = now + m.period;
    m.timer.expires_at(next);
    boost::system::error_code ec;
    co_await m.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace probes
