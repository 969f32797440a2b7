#pragma once
// Kernel evidence of a hung resolver, with no query of ours: the resolver's listening UDP socket
// holds client queries it does not read. Pure: the adapter (queue_watch.hpp) reads the kernel's
// socket table (/proc/net/udp, udp6: udp_table.hpp) when next_sample_in() says and hands each
// sample here with its time; this says whether the socket is stalled, since when, and when that
// is news.
//
// Why it is strong exactly when clients are hurt: a resolver that runs drains its socket within
// microseconds of each datagram, so at a sample its receive queue is nearly always empty, and
// when it is not (a burst, a busy resolver) the next sample finds it smaller. A stopped or
// deadlocked resolver reads nothing: every query that arrives stays queued (then is dropped once
// the buffer is full), so the queue is never empty and never shrinks, while arrivals make it (or
// the drop counter) grow. Lost packets never reach the queue; a resolver slowed by its upstream
// still reads its socket (the waiting is on other sockets). Silent when nobody asks: a queue
// that does not grow is no evidence.
//
// stalled: every sample over the last `window` had a non-empty queue, none smaller than the one
// before, and the queue or the drop count grew over it. Any sample with an empty or smaller queue,
// or without the socket (the resolver restarted, or it is gone: the TCP watch's business), ends
// it. News (`trigger`) is the onset, at most once per `min_gap` (a false onset costs one probe).
#include <chrono>
#include <cstdint>
#include <optional>

namespace probes {

struct QueueSample {
  bool present = false;      // a listening socket matched server:port
  std::uint64_t queued = 0;  // bytes in its receive queue (summed over matching sockets)
  std::uint64_t drops = 0;   // datagrams dropped on it (receive buffer full), summed
};

class QueuePolicy {
 public:
  using Clock = std::chrono::steady_clock;
  struct Tuning {
    std::chrono::milliseconds window{100};    // checks[].stall_ms
    std::chrono::milliseconds min_gap{1000};  // between two triggers (the service's interval)
  };
  struct Decision {
    bool trigger = false;  // onset: run the service's round now
  };

  explicit QueuePolicy(Tuning tuning) : t_(tuning) {}

  Decision sample(const QueueSample& s, Clock::time_point now);

  bool stalled() const { return stalled_; }
  // When the current run of unread, non-shrinking samples began (its first sample); none when
  // the last sample ended a run. A probe sent after this and still unanswered, with the run
  // unbroken, is sitting in a queue nobody reads.
  std::optional<Clock::time_point> unread_since() const { return since_; }
  // The run unbroken since before `sent` and for at least `hold` after it: what a probe waiting
  // at `now` can conclude without its own deadline.
  bool unread_through(Clock::time_point sent, std::chrono::milliseconds hold,
                      Clock::time_point now) const;
  std::uint64_t queued() const { return last_.queued; }
  // When to sample again: window / 5 while a run is on (a stall is then declared within a fifth
  // of a window of its end), window / 2 while the queue was empty at the last sample (nearly
  // always: a running resolver drains it). Every sample wakes the loop, which on a VM costs far
  // more than the read; this halves the wake-ups of an idle resolver at the price of seeing a
  // stall's onset up to window / 2 late (up to window / 5 before). Never under 5 ms.
  std::chrono::milliseconds next_sample_in() const;

 private:
  Tuning t_;
  std::optional<Clock::time_point> since_;
  QueueSample first_{};  // the run's first sample
  QueueSample last_{};
  Clock::time_point last_at_{};
  bool stalled_ = false;
  std::optional<Clock::time_point> last_trigger_;
};

}  // namespace probes
