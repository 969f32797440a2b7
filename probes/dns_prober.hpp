#pragma once
// c-ares driven by the program's single Asio io_context: many probes in flight on one thread.
#include <utility>  // g++ 12 needs it before Asio's awaitable.hpp

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>

#include "probes/check.hpp"

namespace probes {

class DnsProber {
 public:
  struct Options {
    // How many checks may keep their UDP socket open between probes (the daemon's); 0: a
    // socket per query (the probe CLI, whose loop must run out of work to end).
    std::size_t kept_udp_sockets = 0;
    // A check not probed for this long loses its channel and kept socket (a reload that changed
    // the check left it behind); its next probe, if any, opens a fresh one.
    std::chrono::milliseconds idle_channel{10000};
  };
  explicit DnsProber(boost::asio::io_context& io) : DnsProber(io, Options{}) {}
  DnsProber(boost::asio::io_context& io, Options options);
  ~DnsProber();
  DnsProber(const DnsProber&) = delete;
  DnsProber& operator=(const DnsProber&) = delete;

  // Sends one query and classifies the outcome. Never throws for network trouble: every failure
  // is a CheckResult with a reason. The whole probe ends by check.timeout (+ scheduling slack).
  boost::asio::awaitable<CheckResult> probe(const DnsCheck& check);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace probes
