#include "probes/watch_policy.hpp"

#include <algorithm>

namespace probes {

WatchPolicy::WatchPolicy(Tuning tuning, Clock::time_point now)
    : t_(tuning), connect_at_(now), tokens_(tuning.burst), tokens_at_(now) {}

double WatchPolicy::tokens(Clock::time_point now) const {
  auto refilled =
      std::chrono::duration<double>(now - tokens_at_) / std::chrono::duration<double>(t_.refill);
  return std::min<double>(t_.burst, tokens_ + std::max(0.0, refilled));
}

WatchPolicy::Clock::time_point WatchPolicy::earliest_with_token(Clock::time_point now) const {
  double have = tokens(now);
  if (have >= 1.0) return now;
  auto wait = std::chrono::duration<double>(t_.refill) * (1.0 - have);
  return now + std::chrono::duration_cast<Clock::duration>(wait) + Clock::duration(1);
}

void WatchPolicy::connecting(Clock::time_point) {
  if (phase_ == Phase::disabled) return;
  phase_ = Phase::connecting;
}

void WatchPolicy::connected(Clock::time_point now) {
  if (phase_ == Phase::disabled) return;
  phase_ = Phase::connected;
  connected_at_ = now;
  after_refusal_ = false;
  refused_while_ok_ = 0;
}

WatchPolicy::Decision WatchPolicy::closed(Clock::time_point now) {
  Decision d;
  if (phase_ == Phase::disabled) return d;
  phase_ = Phase::waiting;
  auto lifetime = now - connected_at_;
  // A connection that lived a refill period or more was no storm: the bucket starts full again
  // and the reconnect is never delayed (the kill case). A young one spends a token, and is no
  // news (a server that accepts and closes at once must not cost probes).
  if (lifetime < t_.refill) {
    connect_at_ = earliest_with_token(now);
    tokens_ = std::max(0.0, tokens(connect_at_) - 1.0);
    tokens_at_ = connect_at_;
    return d;
  }
  tokens_ = t_.burst;
  tokens_at_ = now;
  connect_at_ = now;
  if (idle_lifetime_ && lifetime * 10 >= *idle_lifetime_ * 9) {
    idle_lifetime_ = lifetime;  // the idle timeout again (it may drift, or have been raised)
  } else if (last_ok_) {
    d.trigger_round = true;  // ended early, or the timeout is not known yet
    early_close_ = lifetime;
  }
  return d;
}

WatchPolicy::Decision WatchPolicy::refused(Clock::time_point now) {
  Decision d;
  if (phase_ == Phase::disabled) return d;
  // Refused while the last round passed: either the resolver just died (the round we trigger
  // will fail and reset the count) or it never serves TCP (the round passes again; after
  // disable_after of those the watch gives up, so such a server costs at most that many rounds).
  if (last_ok_) {
    if (++refused_while_ok_ >= t_.disable_after) {
      phase_ = Phase::disabled;
      d.disabled_now = true;
      return d;
    }
    d.trigger_round = true;
  }
  phase_ = Phase::waiting;
  after_refusal_ = true;
  connect_at_ = now + t_.retry;
  return d;
}

void WatchPolicy::failed(Clock::time_point now) {
  if (phase_ == Phase::disabled) return;
  phase_ = Phase::waiting;
  connect_at_ = now + t_.retry;
}

bool WatchPolicy::check_result(bool ok, Clock::time_point now) {
  last_ok_ = ok;
  // The round after an early close: passing, it was the server's own choice (a first idle
  // timeout, a lowered one), learned so that the same lifetime is no news again.
  if (early_close_) {
    if (ok) idle_lifetime_ = *early_close_;
    early_close_.reset();
  }
  if (phase_ == Phase::disabled) return false;
  if (!ok) {
    refused_while_ok_ = 0;
    return false;
  }
  // At most once per round, so no bucket: the round's own schedule paces it.
  if (phase_ != Phase::waiting || !after_refusal_ || connect_at_ <= now) return false;
  connect_at_ = now;
  return true;
}

}  // namespace probes
