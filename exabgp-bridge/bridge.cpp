#include "exabgp-bridge/bridge.hpp"
#include "sidecar/lib/exception_text.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace bridge {
namespace asio = boost::asio;

namespace {

// A private duplicate: closing it (or Asio's epoll registration) never touches fd 0/1 themselves.
int dup_nonblocking(int fd, const char* what) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (copy < 0) {
    throw std::runtime_error(std::string("cannot use ") + what + ": " + std::strerror(errno) +
                             " (anycast-sidecar run must be started by ExaBGP with pipes)");
  }
  return copy;
}

}  // namespace

Bridge::Bridge(asio::io_context& io, BridgeOptions options, int in_fd, int out_fd,
               std::size_t max_line)
    : io_(io),
      core_(options),
      splitter_(max_line),
      in_(io, dup_nonblocking(in_fd, "stdin")),
      out_(io, dup_nonblocking(out_fd, "stdout")),
      wake_(io) {
  // O_NONBLOCK is set on our duplicates' shared open file description: ExaBGP's end of each
  // pipe is a different description, so it is not affected.
  in_.non_blocking(true);
  out_.non_blocking(true);
}

Bridge::~Bridge() {
  stop();
}

void Bridge::start() {
  // A loop that dies of an exception (a bug) would stop reading ExaBGP, the very wedge this
  // bridge exists to prevent: the owner hears of it and shuts down rather than limp on.
  auto fatal = [this](const char* loop) {
    return [this, loop](std::exception_ptr e) {
      if (!e || stopped_) return;
      if (on_fatal) on_fatal(std::string(loop) + ": " + text::exception_text(e));
    };
  };
  asio::co_spawn(io_, read_loop(), fatal("stdin reader"));
  asio::co_spawn(io_, write_loop(), fatal("stdout writer"));
}

void Bridge::stop() {
  if (stopped_) return;
  stopped_ = true;
  boost::system::error_code ec;
  in_.close(ec);
  out_.close(ec);
  wake_.cancel();
}

void Bridge::set_desired(const std::string& key, std::string line) {
  core_.set_desired(key, std::move(line));
  kick();
}

void Bridge::retire(const std::string& key, std::string withdraw_line) {
  core_.retire(key, std::move(withdraw_line));
  kick();
}

void Bridge::resend_all() {
  core_.resend_all();
  kick();
}

void Bridge::kick() {
  wake_.cancel();
}

void Bridge::notify_if_changed(LinkState before) {
  if (core_.state() != before && on_change) on_change();
}

void Bridge::link_gone() {
  core_.on_eof(Clock::now());
  kick();
  if (gone_reported_) return;
  gone_reported_ = true;
  if (on_change) on_change();
  if (on_eof) on_eof();
}

asio::awaitable<void> Bridge::read_loop() {
  // Always armed, from start() to stop(), whatever else the program does (shutdown included):
  // an unread pipe of acknowledgements is what wedged ExaBGP in 2021.
  std::array<char, 64 * 1024> buf;
  for (;;) {
    boost::system::error_code ec;
    std::size_t n = co_await in_.async_read_some(asio::buffer(buf),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_) co_return;
    bool changed = false, shutdown = false;
    if (n > 0) {
      auto now = Clock::now();
      auto state_before = core_.state();
      auto pending_before = core_.pending_acks();
      core_.on_read_bytes(n);
      auto discarded_before = splitter_.discarded_long_lines();
      splitter_.feed(std::string_view(buf.data(), n), [&](std::string_view line) {
        auto ev = core_.on_line(line, now);
        changed = changed || ev.neighbor_changed;
        shutdown = shutdown || ev.shutdown;
      });
      for (auto d = discarded_before; d < splitter_.discarded_long_lines(); ++d) {
        core_.on_long_line_discarded();
      }
      // Everything written is now acknowledged: the routes' confirmation changed, which
      // `status` and `maintenance on --wait` read (else they would see it at the heartbeat).
      changed = changed || core_.state() != state_before ||
                (pending_before > 0 && core_.pending_acks() == 0);
      kick();  // an ack may have opened the window for the next batch
    }
    if (changed && on_change) on_change();
    if (shutdown && on_shutdown) on_shutdown();
    if (stopped_) co_return;  // a callback may have stopped us
    if (ec) {
      // EOF, or stdin unusable: either way ExaBGP can no longer talk to us.
      link_gone();
      co_return;
    }
  }
}

void Bridge::start_write(const std::vector<std::string>& lines) {
  out_buf_.clear();
  for (const auto& l : lines) out_buf_.append(l).push_back('\n');
  // Completion is a plain handler, not awaited: the writer loop keeps ticking (and so notices a
  // stall) while the kernel pipe is full.
  asio::async_write(out_, asio::buffer(out_buf_),
                    [this](const boost::system::error_code& ec, std::size_t) {
                      if (stopped_) return;
                      if (ec) {  // EPIPE (SIGPIPE is ignored): ExaBGP closed its end
                        link_gone();
                        return;
                      }
                      auto before = core_.state();
                      core_.on_write_finished(Clock::now());
                      if (out_buf_.capacity() > 64 * 1024) std::string().swap(out_buf_);
                      notify_if_changed(before);
                      kick();
                    });
}

asio::awaitable<void> Bridge::write_loop() {
  for (;;) {
    if (stopped_ || core_.state() == LinkState::gone) co_return;
    auto now = Clock::now();
    auto before = core_.state();
    core_.tick(now);
    auto lines = core_.take_batch(now);
    if (!lines.empty()) start_write(lines);
    notify_if_changed(before);
    if (stopped_) co_return;
    // A steady_timer used as a condition: kick() cancels it, otherwise it fires exactly when the
    // core next has something to do (ping due, stall deadline).
    auto wake = core_.next_wakeup(Clock::now());
    wake_.expires_at(wake ? *wake : Clock::time_point::max());
    boost::system::error_code ec;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<bool> Bridge::drain(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  asio::steady_timer timer(io_);
  while (!core_.idle() && core_.state() != LinkState::gone && Clock::now() < deadline) {
    kick();
    // A short polling step is enough here: drain runs once, at exit.
    timer.expires_after(
        std::min<Clock::duration>(std::chrono::milliseconds(5), deadline - Clock::now()));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return core_.idle();
}

}  // namespace bridge
