#include "probes/queue_policy.hpp"

#include <algorithm>

namespace probes {

QueuePolicy::Decision QueuePolicy::sample(const QueueSample& s, Clock::time_point now) {
  Decision d;
  const bool continues = s.present && s.queued > 0 && since_ && last_.present &&
                         s.queued >= last_.queued && s.drops >= last_.drops;
  if (!continues) {
    stalled_ = false;
    since_.reset();
    if (s.present && s.queued > 0) {
      since_ = now;
      first_ = s;
    }
  }
  last_ = s;
  last_at_ = now;
  if (!since_) return d;
  const bool grew = s.queued > first_.queued || s.drops > first_.drops;
  const bool was = stalled_;
  stalled_ = now - *since_ >= t_.window && grew;
  if (stalled_ && !was && (!last_trigger_ || now - *last_trigger_ >= t_.min_gap)) {
    d.trigger = true;
    last_trigger_ = now;
  }
  return d;
}

std::chrono::milliseconds QueuePolicy::next_sample_in() const {
  const auto period = since_ ? t_.window / 5 : t_.window / 2;
  return std::max(std::chrono::milliseconds(5), period);
}

bool QueuePolicy::unread_through(Clock::time_point sent, std::chrono::milliseconds hold,
                                 Clock::time_point now) const {
  // The last sample must itself be at least `hold` after the send: between samples nothing is
  // known, and the run only vouches for the time up to its latest sample.
  // Growth since the run began: our own query, at least, has joined the queue unread.
  return since_ && *since_ <= sent && last_at_ <= now && last_at_ - sent >= hold &&
         (last_.queued > first_.queued || last_.drops > first_.drops);
}

}  // namespace probes
