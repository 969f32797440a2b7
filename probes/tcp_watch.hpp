#pragma once
// A kept TCP connection to a DNS check's server:port that sends nothing: its loss, followed by a
// refused reconnect, is news that the resolver process is gone, and its end before the server's
// idle timeout is news that something changed (probes/watch_policy.hpp decides; this only does
// the socket work). One per watched check, on the daemon's loop.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "probes/watch_policy.hpp"

namespace probes {

struct WatchNews {
  // gone and ended_early ask for the service's round now; the others only inform.
  enum class Kind { gone, ended_early, disabled, connected, closed, failed } kind;
  std::string detail;
};

class TcpWatch : public std::enable_shared_from_this<TcpWatch> {
 public:
  // `connect_timeout` bounds a connect that gets no answer (SYN dropped); `tuning.retry` is the
  // service's interval. `on_news` runs on the loop; `gone` asks for the service's round now.
  TcpWatch(boost::asio::io_context& io, std::string server, std::uint16_t port,
           std::chrono::milliseconds connect_timeout, WatchPolicy::Tuning tuning,
           std::function<void(const WatchNews&)> on_news);
  ~TcpWatch();

  boost::asio::awaitable<void> run();  // until stop()
  void stop();
  void check_result(bool ok);  // the service's latest result for the watched check

  const std::string& server() const { return server_; }
  std::uint16_t port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string server_;
  std::uint16_t port_;
};

}  // namespace probes
