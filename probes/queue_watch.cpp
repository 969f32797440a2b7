#include "probes/queue_watch.hpp"

#include <fcntl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>

#include "probes/udp_diag.hpp"

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

DiagAsk ask_diag(int& fd, std::uint32_t seq, const TableAddress& server, std::uint16_t port,
                 std::vector<std::uint8_t>& buffer, QueueSample& out) {
  if (fd < 0) {
    fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_SOCK_DIAG);
    if (fd < 0) return DiagAsk::unavailable;
  }
  auto request = diag_request(server, port, seq);
  if (::send(fd, request.data(), request.size(), MSG_DONTWAIT) < 0) {
    return errno == EAGAIN || errno == EINTR ? DiagAsk::missed : DiagAsk::unavailable;
  }
  buffer.resize(8192);
  // The kernel answers within the send; older answers (a question that missed) come first.
  for (int tries = 0; tries < 8; ++tries) {
    auto n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == EAGAIN ? DiagAsk::missed : DiagAsk::unavailable;
    auto reply = parse_diag_reply({buffer.data(), static_cast<std::size_t>(n)}, seq);
    switch (reply.kind) {
      case DiagReply::Kind::sample:
      case DiagReply::Kind::no_socket:
        out = reply.sample;
        return DiagAsk::answered;
      case DiagReply::Kind::refused:
        return DiagAsk::unavailable;
      case DiagReply::Kind::other:
        break;
    }
  }
  return DiagAsk::missed;
}

struct QueueWatch::Impl {
  Impl(asio::io_context& io, QueuePolicy::Tuning tuning) : timer(io), policy(tuning) {}
  asio::steady_timer timer;
  QueuePolicy policy;
  TableAddress server;
  std::uint16_t port = 53;
  std::string path;
  std::string buffer;
  std::function<void(const QueuePolicy&, bool)> on_sample;
  std::function<void(const std::string&)> on_problem;
  bool reported = false;  // a problem is said once, until a read works again
  bool stopped = false;
  int fd = -1;            // the table, kept open between samples (read_table)
  int diag_fd = -1;       // the sock_diag socket (ask_diag)
  bool diag_off = false;  // the kernel cannot answer it here: the table only, for good
  std::uint32_t seq = 0;
  std::vector<std::uint8_t> diag_buffer;
  ~Impl() {
    if (fd >= 0) ::close(fd);
    if (diag_fd >= 0) ::close(diag_fd);
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
    auto asked = m.diag_off ? DiagAsk::unavailable
                            : ask_diag(m.diag_fd, ++m.seq, m.server, m.port, m.diag_buffer, s);
    if (asked == DiagAsk::unavailable && !m.diag_off) {
      m.diag_off = true;
      if (m.diag_fd >= 0) ::close(m.diag_fd);
      m.diag_fd = -1;
    }
    if (asked == DiagAsk::answered) {
      m.reported = false;
    } else if (read_table(m.path, kMaxTableBytes, m.buffer, error, m.fd)) {
      s = queue_sample(m.buffer, m.server, m.port);
      m.reported = false;
    } else if (!m.reported) {
      m.reported = true;
      m.on_problem(error);
    }
    auto now = QueuePolicy::Clock::now();
    auto d = m.policy.sample(s, now);
    m.on_sample(m.policy, d.trigger);
    // A grid of the policy's period, re-based when late (a busy loop must not make samples
    // bunch up).
    const auto period = m.policy.next_sample_in();
    next += period;
    if (next < now) next = now + period;
    m.timer.expires_at(next);
    boost::system::error_code ec;
    co_await m.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace probes
