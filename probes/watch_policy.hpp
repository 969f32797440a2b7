#pragma once
// When a kept TCP connection to a resolver ("watch") reconnects, and what its loss means. Pure:
// the adapter (tcp_watch.hpp) reports events with the time, this answers with what to do.
//
// Why a watch: a SIGKILLed resolver's sockets are closed by the kernel at once, so the watch sees
// its connection end within a round trip, and a refused reconnect (no listening socket: no
// process) is the same hard evidence a probe would find, without waiting for the next interval.
// A connection the server ends before its idle timeout is news too, whatever the reconnect
// finds: `unbound-control reload` (an ACL change) closes every client connection and keeps
// listening, so the reconnect is accepted while the same process now answers REFUSED. The idle
// timeout is learned: the lifetime of the last connection whose end was no news (a close at 90 %
// of it or later is the timeout again, and follows it as it drifts), or of one whose news the
// next passing round showed benign. Until one is known, every close of a connection older than a
// refill period is news, so a watch costs one early round per server to learn it. A connection
// that died young (under a refill period) is never news, and its reconnect spends a token (a
// burst of 3, one more per second; full again after a connection that lived), so a server that
// accepts and closes at once costs at most one connect per second and no probe. News runs the
// service's round early (the next one, not one more). After a refusal or any other failure the
// next connect waits `retry` (the service's interval), or the next passing round of the check
// (the resolver is back), whichever comes first.
#include <chrono>
#include <optional>

namespace probes {

class WatchPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  struct Tuning {
    std::chrono::milliseconds retry{1000};   // after a refused or failed connect (the interval)
    std::chrono::milliseconds refill{1000};  // one reconnect token per refill
    int burst = 3;                           // tokens at most (and at start)
    int disable_after = 3;                   // refusals while the check passes: TCP is not served
  };
  enum class Phase { connecting, connected, waiting, disabled };
  struct Decision {
    bool trigger_round = false;  // run the service's round now: the resolver is gone
    bool disabled_now = false;   // log once: the server does not accept TCP while DNS answers
  };

  WatchPolicy(Tuning tuning, Clock::time_point now);

  Phase phase() const { return phase_; }
  // When the adapter may start the next connect (phase waiting); it then calls connecting().
  Clock::time_point connect_at() const { return connect_at_; }
  void connecting(Clock::time_point now);
  void connected(Clock::time_point now);
  // The connection ended (EOF, reset, any read error): reconnect as soon as a token allows.
  // News (trigger_round) when the check last passed and the server ended it early (see above).
  Decision closed(Clock::time_point now);
  // The connect was refused (RST: nothing listens). News only when the check last passed.
  Decision refused(Clock::time_point now);
  // Any other connect failure (timeout, unreachable): no evidence either way; retry later.
  void failed(Clock::time_point now);
  // The service's latest result for this check. A pass while waiting after a refusal means the
  // resolver is back: reconnect now rather than at the next retry. Returns whether connect_at
  // moved earlier (the adapter then wakes up).
  bool check_result(bool ok, Clock::time_point now);

  double tokens(Clock::time_point now) const;  // for tests
  // The server's idle timeout as learned (nullopt until known), for tests.
  std::optional<Clock::duration> idle_lifetime() const { return idle_lifetime_; }

 private:
  Clock::time_point earliest_with_token(Clock::time_point now) const;

  Tuning t_;
  Phase phase_ = Phase::waiting;
  Clock::time_point connect_at_;
  double tokens_;
  Clock::time_point tokens_at_;
  Clock::time_point connected_at_;
  bool last_ok_ = false;  // the check's latest result (false until the first round)
  bool after_refusal_ = false;
  int refused_while_ok_ = 0;
  std::optional<Clock::duration> idle_lifetime_;
  std::optional<Clock::duration> early_close_;  // the lifetime of a close that was news
};

}  // namespace probes
