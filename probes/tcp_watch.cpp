#include "probes/tcp_watch.hpp"

#include <array>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace probes {
namespace asio = boost::asio;
using Clock = WatchPolicy::Clock;

struct TcpWatch::Impl {
  Impl(asio::io_context& io, WatchPolicy::Tuning tuning)
      : socket(io), wake(io), deadline(io), policy(tuning, Clock::now()) {}
  asio::ip::tcp::socket socket;
  asio::steady_timer wake;      // waits for connect_at; cancelled by check_result and stop
  asio::steady_timer deadline;  // closes a connect that gets no answer
  WatchPolicy policy;
  asio::ip::tcp::endpoint endpoint;
  std::chrono::milliseconds connect_timeout{500};
  std::function<void(const WatchNews&)> on_news;
  bool stopped = false;
};

TcpWatch::TcpWatch(asio::io_context& io, std::string server, std::uint16_t port,
                   std::chrono::milliseconds connect_timeout, WatchPolicy::Tuning tuning,
                   std::function<void(const WatchNews&)> on_news)
    : impl_(std::make_unique<Impl>(io, tuning)), server_(std::move(server)), port_(port) {
  impl_->connect_timeout = connect_timeout;
  impl_->on_news = std::move(on_news);
  boost::system::error_code ec;
  impl_->endpoint = asio::ip::tcp::endpoint(asio::ip::make_address(server_, ec), port_);
  if (ec) impl_->stopped = true;  // the configuration validated the address; never here
}

TcpWatch::~TcpWatch() = default;

void TcpWatch::stop() {
  impl_->stopped = true;
  boost::system::error_code ec;
  impl_->socket.close(ec);
  impl_->wake.cancel();
  impl_->deadline.cancel();
}

void TcpWatch::check_result(bool ok) {
  if (impl_->policy.check_result(ok, Clock::now())) impl_->wake.cancel();
}

asio::awaitable<void> TcpWatch::run() {
  auto self = shared_from_this();  // the service may drop its watches while this waits
  auto& m = *impl_;
  while (!m.stopped) {
    m.wake.expires_at(m.policy.connect_at());
    boost::system::error_code ec;
    co_await m.wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (m.stopped) break;
    if (Clock::now() < m.policy.connect_at()) continue;  // woken early: connect_at moved

    m.policy.connecting(Clock::now());
    m.socket.close(ec);
    m.deadline.expires_after(m.connect_timeout);
    m.deadline.async_wait([self](boost::system::error_code e) {
      boost::system::error_code ignored;
      if (!e) self->impl_->socket.close(ignored);  // no answer in time: the connect aborts
    });
    co_await m.socket.async_connect(m.endpoint, asio::redirect_error(asio::use_awaitable, ec));
    m.deadline.cancel();
    if (m.stopped) break;
    if (ec == asio::error::connection_refused) {
      auto d = m.policy.refused(Clock::now());
      if (d.disabled_now) {
        m.on_news({WatchNews::Kind::disabled,
                   "connections to " + server_ + ":" + std::to_string(port_) +
                       " are refused while its DNS answers: it does not serve TCP; the check is "
                       "probed on its schedule only (set checks[].watch false to silence this)"});
        break;
      }
      if (d.trigger_round) m.on_news({WatchNews::Kind::gone, "connection refused"});
      continue;
    }
    if (ec) {
      m.policy.failed(Clock::now());
      m.on_news({WatchNews::Kind::failed, ec.message()});
      continue;
    }
    m.policy.connected(Clock::now());
    m.on_news({WatchNews::Kind::connected, ""});

    // Nothing is sent, and a DNS server sends nothing before a query: any completion ends the
    // connection, data included. Closing (rather than reading and discarding) bounds what a
    // server that streams bytes can cost: the reconnect is paced by the policy's tokens (at most
    // one a second), where discarding would cost a read per chunk for as long as it streams.
    std::array<char, 512> unasked;
    std::size_t n = co_await m.socket.async_read_some(
        asio::buffer(unasked), asio::redirect_error(asio::use_awaitable, ec));
    if (m.stopped) break;
    std::string why;
    if (!ec) {
      why = "the server sent " + std::to_string(n) +
            " bytes unasked (not what a DNS server does): closed";
    } else {
      why = ec == asio::error::eof ? std::string("closed by the server") : ec.message();
    }
    m.socket.close(ec);
    auto d = m.policy.closed(Clock::now());
    m.on_news({d.trigger_round ? WatchNews::Kind::ended_early : WatchNews::Kind::closed, why});
  }
}

}  // namespace probes
