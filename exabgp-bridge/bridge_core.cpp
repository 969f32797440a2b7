#include "exabgp-bridge/bridge_core.hpp"

#include <algorithm>
#include <cstdio>

#include "exabgp-bridge/route.hpp"

namespace bridge {
namespace {

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

constexpr const char* kNotReading = "ExaBGP is not reading its API (stopped or overloaded?)";

}  // namespace

std::string_view to_string(LinkState state) {
  return text::name_of(kLinkStateNames, state, "ok");
}

BridgeCore::BridgeCore(BridgeOptions options)
    : options_(options), neighbors_(options.max_neighbors) {}

void BridgeCore::set_desired(const std::string& key, std::string line) {
  auto& e = routes_[key];
  e.retired = false;  // owned (again); retire() sets it after this
  if (e.pending) {
    if (e.line != line) {
      ++counters_.coalesced;  // the older desired state is never written: only the latest counts
      e.line = std::move(line);
    }
    return;
  }
  if (e.seq != 0 && e.line == line) return;  // already written; resend_all() repeats it
  e.line = std::move(line);
  e.pending = true;
  e.rejected = false;  // the verdict was about the previous line
}

void BridgeCore::resend_all() {
  for (auto& [key, e] : routes_) {
    if (!e.line.empty()) e.pending = true;
  }
}

void BridgeCore::retire(const std::string& key, std::string withdraw_line) {
  const bool changed = routes_[key].line != withdraw_line;
  set_desired(key, std::move(withdraw_line));
  routes_[key].retired = true;
  if (changed) {
    // The withdraw may take the prefix from peers that another key of it announces to ("withdraw
    // route P" against "neighbor X announce route P"): those go again, after it (withdraws are
    // written first), so the announce is the last word at every peer.
    const auto prefix = key.substr(0, key.find('|'));
    for (auto& [other, e] : routes_) {
      if (other == key || e.retired || e.line.empty()) continue;
      if (other.compare(0, prefix.size(), prefix) == 0 &&
          (other.size() == prefix.size() || other[prefix.size()] == '|')) {
        e.pending = true;
      }
    }
  }
  forget_confirmed_retired();  // already written and acknowledged: nothing left to remember
}

void BridgeCore::forget_confirmed_retired() {
  for (auto it = routes_.begin(); it != routes_.end();) {
    const auto& e = it->second;
    bool done = e.seq != 0 && (options_.ack ? acked_seq_ >= e.seq : written_done_seq_ >= e.seq);
    if (e.retired && !e.pending && done && !e.rejected) {
      it = routes_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<std::string> BridgeCore::retired_keys() const {
  std::vector<std::string> out;
  for (const auto& [key, e] : routes_) {
    if (e.retired) out.push_back(key);
  }
  return out;
}

void BridgeCore::forget(const std::string& key) {
  routes_.erase(key);
}

RouteStatus BridgeCore::route_status(const std::string& key) const {
  RouteStatus rs;
  auto it = routes_.find(key);
  if (it == routes_.end()) return rs;
  const auto& e = it->second;
  rs.known = true;
  rs.pending = e.pending;
  rs.line = e.line;
  rs.rejected = e.rejected;
  bool done = e.seq != 0 && (options_.ack ? acked_seq_ >= e.seq : written_done_seq_ >= e.seq);
  rs.confirmed = !e.pending && done && !e.rejected;
  return rs;
}

bool BridgeCore::can_write() const {
  // Stop-and-wait: while ExaBGP owes acknowledgements nothing more is written, so a stuck
  // ExaBGP holds at most one batch and newer states coalesce in routes_.
  return state_ != LinkState::gone && !writing_ && !(options_.ack && pending_acks_ > 0);
}

std::optional<Clock::time_point> BridgeCore::next_ping(Clock::time_point now) const {
  if (options_.ack) {
    // Every command is acknowledged, so any write proves liveness: ping only when quiet.
    return last_sent_ ? std::max(now, *last_sent_ + options_.ping_interval) : now;
  }
  // Without acks only a version answer proves that ExaBGP reads (a write may just sit in the
  // pipe): ping on schedule whatever else is written, and one at a time.
  if (ping_outstanding_) return std::nullopt;
  return ping_sent_ ? std::max(now, *ping_sent_ + options_.ping_interval) : now;
}

std::vector<std::string> BridgeCore::take_batch(Clock::time_point now) {
  std::vector<std::string> lines;
  if (!can_write()) return lines;
  const auto batch = batch_seq_ + 1;
  std::size_t routes = 0;
  for (bool withdraws : {true, false}) {
    for (auto& [key, e] : routes_) {
      if (!e.pending || is_withdraw(e.line) != withdraws) continue;
      lines.push_back(e.line);
      e.pending = false;
      e.rejected = false;
      e.seq = ++written_seq_;
      e.batch = batch;
      ++routes;
    }
  }
  if (auto ping = next_ping(now); ping && *ping <= now) {
    lines.emplace_back("version");
    ++written_seq_;
    ++counters_.pings_written;
    if (!options_.ack) {
      ping_outstanding_ = true;
      ping_sent_ = now;
    }
  }
  if (lines.empty()) return lines;
  batch_seq_ = batch;
  counters_.route_commands_written += routes;
  counters_.commands_written += lines.size();
  if (options_.ack) {
    pending_acks_ = lines.size();
    unacked_since_ = now;
    batch_error_ = false;
    batch_acks_ = 0;
    answered_while_unacked_ = false;
  }
  writing_ = true;
  write_started_ = now;
  last_sent_ = now;
  return lines;
}

void BridgeCore::on_write_finished(Clock::time_point now) {
  if (!writing_) return;
  writing_ = false;
  write_started_.reset();
  written_done_seq_ = written_seq_;
  if (!options_.ack) forget_confirmed_retired();
  tick(now);
}

std::optional<Clock::time_point> BridgeCore::next_wakeup(Clock::time_point now) const {
  std::optional<Clock::time_point> at;
  auto consider = [&](Clock::time_point t) {
    if (!at || t < *at) at = t;
  };
  if (state_ == LinkState::gone) return at;
  // Stall deadlines only while ok: once stalled, recovery comes with an event (ack, answer,
  // write completion), and a deadline already passed would make the writer spin.
  if (state_ == LinkState::ok) {
    if (writing_ && write_started_) consider(*write_started_ + options_.ack_timeout);
    if (options_.ack && pending_acks_ > 0 && unacked_since_) {
      consider(*unacked_since_ + options_.ack_timeout);
    }
    if (!options_.ack && ping_outstanding_ && ping_sent_) {
      consider(*ping_sent_ + options_.ack_timeout);
    }
  }
  if (can_write()) {
    bool routes_pending = std::any_of(routes_.begin(), routes_.end(),
                                      [](const auto& kv) { return kv.second.pending; });
    if (routes_pending) consider(now);
    if (auto ping = next_ping(now)) consider(*ping);
  }
  return at;
}

void BridgeCore::complete_batch() {
  for (auto& [key, e] : routes_) {
    if (e.batch == batch_seq_) e.rejected = batch_error_;
  }
  batch_error_ = false;
  unacked_since_.reset();
  forget_confirmed_retired();
}

LineEvent BridgeCore::on_line(std::string_view line, Clock::time_point now) {
  LineEvent ev;
  ++counters_.lines_read;
  ev.message = parse_api_line(line);
  using Kind = ApiMessage::Kind;
  switch (ev.message.kind) {
    case Kind::ack_done:
    case Kind::ack_error: {
      bool error = ev.message.kind == Kind::ack_error;
      ++(error ? counters_.acks_error : counters_.acks_done);
      if (!options_.ack || pending_acks_ == 0) {
        ++counters_.unexpected_acks;  // more acks than commands: counted, never trusted
        break;
      }
      --pending_acks_;
      ++acked_seq_;
      ++batch_acks_;
      last_ack_ = now;
      if (error) batch_error_ = true;
      if (pending_acks_ == 0) complete_batch();
      break;
    }
    case Kind::version:
      if (auto v = exabgp_version_number(ev.message.text); !v.empty()) exabgp_version_ = v;
      if (!options_.ack) {
        if (ping_outstanding_) {
          ping_outstanding_ = false;
          last_ack_ = now;
        }
      } else if (pending_acks_ > 0) {
        answered_while_unacked_ = true;
      }
      break;
    case Kind::neighbor_state: {
      auto update = neighbors_.update(ev.message.peer, ev.message.state, now);
      ev.neighbor_changed = update.changed;
      // A (re)established session starts with an empty Adj-RIB-Out: give it the current state.
      // Only on a change to up: a repeated "up" must not cost a full table each time.
      if (update.resend) resend_all();
      break;
    }
    case Kind::shutdown:
      ev.shutdown = true;
      break;
    case Kind::unknown:
      ++counters_.unknown_lines;
      break;
    case Kind::blank:
    case Kind::other_json:
      break;
  }
  tick(now);
  return ev;
}

void BridgeCore::on_eof(Clock::time_point) {
  state_ = LinkState::gone;
  detail_ =
      "ExaBGP closed the API pipe (EOF on stdin, or EPIPE on stdout): ExaBGP exited or "
      "was killed";
  writing_ = false;
  write_started_.reset();
}

void BridgeCore::tick(Clock::time_point now) {
  if (state_ == LinkState::gone) return;
  std::string reason;
  const auto timeout = options_.ack_timeout;
  if (writing_ && write_started_ && now - *write_started_ >= timeout) {
    reason = "stdout to ExaBGP not writable for " + seconds_text(timeout) + ": " + kNotReading;
  } else if (options_.ack && pending_acks_ > 0 && unacked_since_ &&
             now - *unacked_since_ >= timeout) {
    reason = "no acknowledgement from ExaBGP for " + seconds_text(timeout) + " (" +
             std::to_string(pending_acks_) + " command" + (pending_acks_ == 1 ? "" : "s") +
             " pending): ";
    if (answered_while_unacked_ && batch_acks_ == 0) {
      // It answered "version" but acknowledged nothing: the classic ack mismatch.
      reason +=
          "ExaBGP answers but never acknowledges, it probably runs with "
          "exabgp.api.ack=false: set exabgp.ack false in the sidecar config";
    } else {
      reason += kNotReading;
    }
  } else if (!options_.ack && ping_outstanding_ && ping_sent_ && now - *ping_sent_ >= timeout) {
    reason =
        "no answer from ExaBGP to a version ping for " + seconds_text(timeout) + ": " + kNotReading;
  }
  if (!reason.empty()) {
    if (state_ != LinkState::stalled) ++counters_.stalls;
    state_ = LinkState::stalled;
    detail_ = std::move(reason);
  } else if (state_ == LinkState::stalled) {
    state_ = LinkState::ok;
    detail_.clear();
    // What ExaBGP got while stuck is uncertain: the latest state of every route goes again.
    resend_all();
  }
}

bool BridgeCore::idle() const {
  bool any_pending =
      std::any_of(routes_.begin(), routes_.end(), [](const auto& kv) { return kv.second.pending; });
  return !any_pending && pending_acks_ == 0 && !writing_;
}

}  // namespace bridge
