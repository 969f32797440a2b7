#include "probes/channel_pool.hpp"

#include <algorithm>

namespace probes {

std::shared_ptr<Channel> ChannelPool::get(const DnsCheck& check, Clock::time_point now,
                                          std::string* error) {
  Key key{check.server,
          check.port,
          static_cast<int>(check.transport),
          static_cast<long>(check.timeout.count()),
          check.qname,
          check.qtype};
  prune(now);
  auto& channel = channels_[key];
  if (!channel) {
    channel = std::make_shared<Channel>(io_);
    bool keep = channels_.size() <= kept_udp_sockets_;
    *error = channel->init(check, keep);
    if (!error->empty()) {
      channels_.erase(key);
      return nullptr;
    }
  }
  channel->last_used = now;
  return channel;
}

void ChannelPool::prune(Clock::time_point now) {
  if (now < next_sweep_) return;
  auto idle_for = idle_channel_;
  next_sweep_ = now + std::min<Clock::duration>(idle_for, std::chrono::seconds(1));
  std::erase_if(channels_, [now, idle_for](const auto& entry) {
    const auto& c = entry.second;
    if (!c->idle() || now - c->last_used <= idle_for) return false;
    c->close();  // now, even if a queued handler still holds the channel
    return true;
  });
}

void ChannelPool::close_all() {
  for (auto& [key, channel] : channels_) channel->close();
  channels_.clear();
}

}  // namespace probes
