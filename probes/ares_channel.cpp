#include "probes/ares_channel.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace probes {
namespace asio = boost::asio;

void Channel::close() {
  closing_ = true;
  // Release before ares_destroy closes the fds: the waits are aborted and the epoll
  // registrations removed while the fd numbers still name c-ares' sockets.
  for (auto& [fd, w] : watchers_) {
    if (w->desc.is_open()) w->desc.release();  // never close a socket c-ares owns
  }
  watchers_.clear();
  timer_.cancel();
  if (channel_) {
    auto* c = std::exchange(channel_, nullptr);
    ares_destroy(c);
  }
}

std::string Channel::init(const DnsCheck& check, bool keep_udp_socket) {
  ares_options opts{};
  int mask = 0;
  opts.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
  // The probe CLI opens a socket per query (no ARES_FLAG_STAYOPEN): a socket kept open stays
  // watched by the loop, so a loop that should end when its probes are done never would. The
  // daemon keeps its UDP socket (socket, connect and close were a sixth of a check's CPU): the
  // channel is its check's alone and probes of one check never overlap, so an ICMP error on
  // it can only answer that check's own last query. TCP: a connection per probe also proves
  // accept() works.
  if (check.transport == Transport::tcp) opts.flags |= ARES_FLAG_USEVC;
  if (keep_udp_socket && check.transport == Transport::udp) opts.flags |= ARES_FLAG_STAYOPEN;
  mask |= ARES_OPT_FLAGS;
  opts.timeout = static_cast<int>(std::max<long>(1, check.timeout.count()));
  mask |= ARES_OPT_TIMEOUTMS;
  opts.tries = 1;
  mask |= ARES_OPT_TRIES;
  opts.sock_state_cb = &Channel::on_sock_state;
  opts.sock_state_cb_data = this;
  mask |= ARES_OPT_SOCK_STATE_CB;
  int rc = ares_init_options(&channel_, &opts, mask);
  if (rc != ARES_SUCCESS) {
    channel_ = nullptr;
    return std::string("c-ares init failed: ") + ares_strerror(rc);
  }
  ares_addr_port_node server{};
  if (inet_pton(AF_INET, check.server.c_str(), &server.addr.addr4) == 1) {
    server.family = AF_INET;
  } else if (inet_pton(AF_INET6, check.server.c_str(), &server.addr.addr6) == 1) {
    server.family = AF_INET6;
  } else {
    return "\"" + check.server + "\" is not an IPv4 or IPv6 address";
  }
  server.udp_port = check.port;
  server.tcp_port = check.port;
  shim_.install(channel_);
  rc = ares_set_servers_ports(channel_, &server);
  if (rc != ARES_SUCCESS) return std::string("c-ares server setup failed: ") + ares_strerror(rc);
  return {};
}

void Channel::send(const DnsCheck& check, const std::shared_ptr<Pending>& pending) {
  // ares_send (unlike ares_query) sends the ID it is given: concurrent probes on a channel need
  // distinct IDs, or a reply ends whichever same-ID query c-ares finds first.
  std::uint16_t id = 0;
  do {
    id = static_cast<std::uint16_t>(rng_());
  } while (in_flight_.count(id) && in_flight_.size() < 65000);
  unsigned char* qbuf = nullptr;
  int qlen = 0;
  int rc = ares_create_query(check.qname.c_str(), 1 /* IN */, check.qtype, id, 1, &qbuf, &qlen, 0);
  if (rc != ARES_SUCCESS) {
    pending->done = true;
    pending->status = rc;
    pending->answered = Clock::now();
    return;
  }
  pending->id = id;
  in_flight_.insert(id);
  ares_send(channel_, qbuf, qlen, &Channel::on_answer, new Sent{pending, this, id});
  ares_free_string(qbuf);
  update_timer();
}

void Channel::on_answer(void* arg, int status, int, unsigned char* abuf, int alen) {
  std::unique_ptr<Sent> sent(static_cast<Sent*>(arg));
  sent->channel->in_flight_.erase(sent->id);
  // Unanswered (timed out, refused, cancelled) queries are forgotten here, not at eviction.
  sent->channel->shim_.forget(sent->id);
  auto& p = *sent->pending;
  if (p.done) return;  // the outer deadline already gave up on it
  p.done = true;
  p.status = status;
  p.answered = Clock::now();
  if (status == ARES_SUCCESS && abuf && alen > 0) p.reply.assign(abuf, abuf + alen);
  p.timer.cancel();
}

void Channel::on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
  static_cast<Channel*>(data)->sock_state(fd, readable != 0, writable != 0);
}

void Channel::sock_state(int fd, bool readable, bool writable) {
  if (closing_) return;
  auto it = watchers_.find(fd);
  if (!readable && !writable) {
    if (it != watchers_.end()) {
      it->second->desc.release();  // c-ares closes the fd right after this callback
      watchers_.erase(it);
    }
    return;
  }
  if (it == watchers_.end()) {
    it = watchers_.emplace(fd, std::make_shared<Watcher>(io_, fd)).first;
  }
  auto w = it->second;
  w->want_read = readable;
  w->want_write = writable;
  arm(fd, w);
}

void Channel::arm(int fd, const std::shared_ptr<Watcher>& w) {
  auto self = shared_from_this();
  if (w->want_read && !w->reading) {
    w->reading = true;
    w->desc.async_wait(asio::posix::stream_descriptor::wait_read,
                       [self, fd, w](const boost::system::error_code& ec) {
                         w->reading = false;
                         self->ready(fd, w, ec, true);
                       });
  }
  if (w->want_write && !w->writing) {
    w->writing = true;
    w->desc.async_wait(asio::posix::stream_descriptor::wait_write,
                       [self, fd, w](const boost::system::error_code& ec) {
                         w->writing = false;
                         self->ready(fd, w, ec, false);
                       });
  }
}

void Channel::ready(int fd, const std::shared_ptr<Watcher>& w, const boost::system::error_code& ec,
                    bool read) {
  if (closing_ || ec == asio::error::operation_aborted) return;
  auto it = watchers_.find(fd);
  if (it == watchers_.end() || it->second != w) return;  // fd closed or reused meanwhile
  ares_process_fd(channel_, read ? fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : fd);
  // c-ares reads one piece of a TCP message per call; reframed bytes already taken from the
  // kernel will not make the fd readable again.
  for (int i = 0; i < 64 && !closing_ && shim_.tcp_pending(fd); ++i) {
    ares_process_fd(channel_, fd, ARES_SOCKET_BAD);
  }
  it = watchers_.find(fd);
  if (it != watchers_.end() && it->second == w) arm(fd, w);
  update_timer();
}

void Channel::update_timer() {
  timeval tv{};
  if (!ares_timeout(channel_, nullptr, &tv)) {
    timer_.cancel();
    return;
  }
  auto wait = std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
  timer_.expires_after(wait);
  auto self = shared_from_this();
  timer_.async_wait([self](const boost::system::error_code& ec) {
    if (ec || self->closing_) return;
    ares_process_fd(self->channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // runs timeouts
    self->update_timer();
  });
}

}  // namespace probes
