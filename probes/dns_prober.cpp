// c-ares on the program's Asio loop, avoiding the traps of c-ares 1.18 with Boost.Asio 1.74:
// - c-ares owns its sockets: a watcher wraps the fd in a stream_descriptor only to wait on it and
//   release()s it when c-ares says (fd, 0, 0), before c-ares closes it.
// - The same fd number can come back at once for a new socket: a wait completion re-arms only if
//   the watcher in the map is still the very object that started the wait.
// - Query callbacks run inside ares_process_fd/ares_destroy: they only record the result and
//   cancel the waiting probe's timer; the probe coroutine resumes later from the loop.
// - One channel per (server, port, transport, timeout, question): ares_set_servers_* cannot
//   change a busy channel, the per-try timeout is the probe's deadline (tries = 1), and an ICMP
//   error on a shared UDP socket would go to whichever sibling query reads next.
// - Concurrent probes on one channel get distinct random query IDs: ares_send sends the ID it is
//   given, and c-ares matches replies by ID.
// - No ares_cancel at the outer deadline: it would end every sibling probe on the shared channel.
//   c-ares' own timeout (the same deadline, one try) ends the query; the outer timer, a little
//   later, only guarantees the coroutine resumes even if that timer were lost, and a callback that
//   arrives after it is ignored.
// - c-ares 1.18 drops a reply whose question section differs from the query's, so a bare-header
//   REFUSED (Unbound's access-control refuse) would end as a timeout. The channel's sockets go
//   through our socket functions, which put the query's question back into such a reply
//   (question_restore.hpp); for TCP that means reframing the stream, and then feeding c-ares
//   again while reframed bytes wait, because the kernel has nothing left to wake us with.
// - Destroying the prober destroys its channels at once (pending probes end as "abandoned"), so
//   nothing keeps the io_context busy afterwards.
#include "probes/dns_prober.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <tuple>
#include <vector>

#include "probes/classify.hpp"
#include "probes/question_restore.hpp"

namespace probes {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

void init_library_once() {
  static std::once_flag once;
  std::call_once(once, [] { ares_library_init(ARES_LIB_INIT_ALL); });
}

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// One probe's rendezvous between the c-ares callback and the waiting coroutine.
struct Pending {
  explicit Pending(asio::io_context& io) : timer(io) {}
  asio::steady_timer timer;  // expires at the outer deadline; cancelled by the callback
  bool done = false;
  int status = ARES_ETIMEOUT;
  std::vector<std::uint8_t> reply;
  Clock::time_point answered{};
  std::uint16_t id = 0;  // the query ID we chose
};

}  // namespace

class Channel : public std::enable_shared_from_this<Channel> {
 public:
  Channel(asio::io_context& io) : io_(io), timer_(io) {}
  ~Channel() { close(); }

  // Ends every query on the channel (their callbacks fire with ARES_EDESTRUCTION) and every wait.
  void close() {
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

  Clock::time_point last_used{};
  bool idle() const { return in_flight_.empty(); }

  // Returns an error text, or empty on success.
  std::string init(const DnsCheck& check, bool keep_udp_socket) {
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
    ares_set_socket_functions(channel_, &kSocketFunctions, this);
    rc = ares_set_servers_ports(channel_, &server);
    if (rc != ARES_SUCCESS) return std::string("c-ares server setup failed: ") + ares_strerror(rc);
    return {};
  }

  // Sends the query; the result lands in `pending` (callback may run synchronously on error).
  void send(const DnsCheck& check, const std::shared_ptr<Pending>& pending) {
    // ares_send (unlike ares_query) sends the ID it is given: concurrent probes on a channel need
    // distinct IDs, or a reply ends whichever same-ID query c-ares finds first.
    std::uint16_t id = 0;
    do {
      id = static_cast<std::uint16_t>(rng_());
    } while (in_flight_.count(id) && in_flight_.size() < 65000);
    unsigned char* qbuf = nullptr;
    int qlen = 0;
    int rc =
        ares_create_query(check.qname.c_str(), 1 /* IN */, check.qtype, id, 1, &qbuf, &qlen, 0);
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

 private:
  struct Watcher {
    Watcher(asio::io_context& io, int fd) : desc(io, fd) {}
    asio::posix::stream_descriptor desc;
    bool want_read = false, want_write = false;
    bool reading = false, writing = false;
  };

  struct Sent {
    std::shared_ptr<Pending> pending;
    Channel* channel;
    std::uint16_t id;
  };

  static void on_answer(void* arg, int status, int, unsigned char* abuf, int alen) {
    std::unique_ptr<Sent> sent(static_cast<Sent*>(arg));
    sent->channel->in_flight_.erase(sent->id);
    // Unanswered (timed out, refused, cancelled) queries are forgotten here, not at eviction.
    sent->channel->restorer_.forget(sent->id);
    auto& p = *sent->pending;
    if (p.done) return;  // the outer deadline already gave up on it
    p.done = true;
    p.status = status;
    p.answered = Clock::now();
    if (status == ARES_SUCCESS && abuf && alen > 0) p.reply.assign(abuf, abuf + alen);
    p.timer.cancel();
  }

  static void on_sock_state(void* data, ares_socket_t fd, int readable, int writable) {
    static_cast<Channel*>(data)->sock_state(fd, readable != 0, writable != 0);
  }

  void sock_state(int fd, bool readable, bool writable) {
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

  void arm(int fd, const std::shared_ptr<Watcher>& w) {
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

  void ready(int fd, const std::shared_ptr<Watcher>& w, const boost::system::error_code& ec,
             bool read) {
    if (closing_ || ec == asio::error::operation_aborted) return;
    auto it = watchers_.find(fd);
    if (it == watchers_.end() || it->second != w) return;  // fd closed or reused meanwhile
    ares_process_fd(channel_, read ? fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : fd);
    // c-ares reads one piece of a TCP message per call; reframed bytes already taken from the
    // kernel will not make the fd readable again.
    for (int i = 0; i < 64 && !closing_ && tcp_pending(fd); ++i) {
      ares_process_fd(channel_, fd, ARES_SOCKET_BAD);
    }
    it = watchers_.find(fd);
    if (it != watchers_.end() && it->second == w) arm(fd, w);
    update_timer();
  }

  void update_timer() {
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

  // --- the sockets c-ares uses, through ares_set_socket_functions ---
  struct Socket {
    bool tcp = false;
    StreamFramer sent;                // TCP: what was written, to learn the queries
    StreamFramer received;            // TCP: what the kernel gave us
    std::vector<std::uint8_t> ready;  // TCP: reframed stream c-ares has not read yet
    std::size_t ready_pos = 0;
    bool eof = false;
    int error = 0;
  };

  bool tcp_pending(int fd) const {
    auto it = sockets_.find(fd);
    if (it == sockets_.end() || !it->second.tcp) return false;
    const auto& s = it->second;
    return s.ready_pos < s.ready.size() || s.eof || s.error;
  }

  static Channel& of(void* data) { return *static_cast<Channel*>(data); }

  static ares_socket_t sock_open(int domain, int type, int protocol, void* data) {
    int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd < 0) return ARES_SOCKET_BAD;
    Socket s;
    s.tcp = (type & 0xff) == SOCK_STREAM;
    of(data).sockets_[fd] = std::move(s);
    return fd;
  }

  static int sock_close(ares_socket_t fd, void* data) {
    of(data).sockets_.erase(fd);
    return ::close(fd);
  }

  static int sock_connect(ares_socket_t fd, const sockaddr* addr, ares_socklen_t len, void*) {
    return ::connect(fd, addr, len);
  }

  static ares_ssize_t sock_send(ares_socket_t fd, const iovec* iov, int count, void* data) {
    ares_ssize_t n = ::writev(fd, iov, count);
    if (n <= 0) return n;
    auto& self = of(data);
    std::vector<std::uint8_t> bytes;
    for (int i = 0; i < count && bytes.size() < static_cast<std::size_t>(n); ++i) {
      auto* p = static_cast<const std::uint8_t*>(iov[i].iov_base);
      std::size_t take = std::min(iov[i].iov_len, static_cast<std::size_t>(n) - bytes.size());
      bytes.insert(bytes.end(), p, p + take);
    }
    auto it = self.sockets_.find(fd);
    if (it == self.sockets_.end() || !it->second.tcp) {
      self.restorer_.on_query(bytes);
    } else if (it->second.sent.append(bytes)) {
      while (auto msg = it->second.sent.next()) self.restorer_.on_query(*msg);
    }
    return n;
  }

  static ares_ssize_t sock_recv(ares_socket_t fd, void* buf, std::size_t len, int flags,
                                sockaddr* from, ares_socklen_t* from_len, void* data) {
    auto& self = of(data);
    auto it = self.sockets_.find(fd);
    if (it == self.sockets_.end() || !it->second.tcp) {
      ares_ssize_t n = ::recvfrom(fd, buf, len, flags, from, from_len);
      if (n > 0) {
        auto* p = static_cast<std::uint8_t*>(buf);
        auto fixed = self.restorer_.on_reply({p, static_cast<std::size_t>(n)});
        if (fixed.size() <= len) {
          std::copy(fixed.begin(), fixed.end(), p);
          n = static_cast<ares_ssize_t>(fixed.size());
        }
      }
      return n;
    }
    return self.tcp_recv(it->second, fd, static_cast<std::uint8_t*>(buf), len);
  }

  ares_ssize_t tcp_recv(Socket& s, int fd, std::uint8_t* buf, std::size_t len) {
    if (s.ready_pos == s.ready.size()) {
      s.ready.clear();
      s.ready_pos = 0;
    }
    while (!s.eof && !s.error && s.ready.size() - s.ready_pos < StreamFramer::kMaxBuffered) {
      std::uint8_t chunk[4096];
      ssize_t r = ::recv(fd, chunk, sizeof chunk, 0);
      if (r > 0) {
        if (!s.received.append({chunk, static_cast<std::size_t>(r)})) s.error = EMSGSIZE;
        while (auto msg = s.received.next()) {
          auto fixed = restorer_.on_reply(*msg);
          s.ready.push_back(static_cast<std::uint8_t>(fixed.size() >> 8));
          s.ready.push_back(static_cast<std::uint8_t>(fixed.size() & 0xff));
          s.ready.insert(s.ready.end(), fixed.begin(), fixed.end());
        }
      } else if (r == 0) {
        s.eof = true;
      } else if (errno == EINTR) {
        continue;
      } else {
        if (errno != EAGAIN && errno != EWOULDBLOCK) s.error = errno;
        break;
      }
    }
    if (s.ready_pos < s.ready.size()) {
      std::size_t n = std::min(len, s.ready.size() - s.ready_pos);
      std::copy_n(s.ready.begin() + static_cast<long>(s.ready_pos), n, buf);
      s.ready_pos += n;
      return static_cast<ares_ssize_t>(n);
    }
    if (s.error) {
      errno = s.error;
      return -1;
    }
    if (s.eof) return 0;
    errno = EAGAIN;
    return -1;
  }

  static constexpr ares_socket_functions kSocketFunctions = {
      &Channel::sock_open, &Channel::sock_close, &Channel::sock_connect, &Channel::sock_recv,
      &Channel::sock_send};

  asio::io_context& io_;
  asio::steady_timer timer_;
  ares_channel channel_ = nullptr;
  bool closing_ = false;
  std::map<int, std::shared_ptr<Watcher>> watchers_;
  std::map<int, Socket> sockets_;
  QuestionRestorer restorer_;
  std::set<std::uint16_t> in_flight_;  // query IDs awaiting their callback
  std::mt19937 rng_{std::random_device{}()};
};

struct DnsProber::Impl {
  Impl(asio::io_context& io, DnsProber::Options options) : io(io), options(options) {}
  asio::io_context& io;
  DnsProber::Options options;
  // The question is part of the key: on a UDP socket the kernel reports an ICMP port-unreachable
  // to whichever call comes next, so a sibling query sent on the same socket would consume it and
  // the first query would end as a timeout instead of connection_refused. One channel per check.
  using Key = std::tuple<std::string, std::uint16_t, int, long, std::string, std::uint16_t>;
  std::map<Key, std::shared_ptr<Channel>> channels;

  // A reload that changes a check's server, timeout or question leaves its old channel unused,
  // and with it a kept UDP socket. Swept at most once a second, a channel idle for
  // options.idle_channel is closed, so the descriptors follow the checks in use within seconds of
  // a reload (the soak compares descriptor counts before and after its reloads). A check probed
  // less often than that gets a fresh channel each time: a socket per query, as before sockets
  // were kept, which costs nothing at such a rate.
  // Called before the probe's own entry is looked up, so no entry is empty here.
  Clock::time_point next_sweep{};
  void prune(Clock::time_point now) {
    if (now < next_sweep) return;
    auto idle_for = options.idle_channel;
    next_sweep = now + std::min<Clock::duration>(idle_for, std::chrono::seconds(1));
    std::erase_if(channels, [now, idle_for](const auto& entry) {
      const auto& c = entry.second;
      if (!c->idle() || now - c->last_used <= idle_for) return false;
      c->close();  // now, even if a queued handler still holds the channel
      return true;
    });
  }
};

DnsProber::DnsProber(asio::io_context& io, Options options)
    : impl_(std::make_shared<Impl>(io, options)) {
  init_library_once();
}

DnsProber::~DnsProber() {
  // Channels may outlive this object through handlers still queued; closing them here ends their
  // waits so the io_context can run out of work.
  for (auto& [key, channel] : impl_->channels) channel->close();
  impl_->channels.clear();
}

asio::awaitable<CheckResult> DnsProber::probe(const DnsCheck& check) {
  auto t0 = Clock::now();
  Impl::Key key{check.server,
                check.port,
                static_cast<int>(check.transport),
                static_cast<long>(check.timeout.count()),
                check.qname,
                check.qtype};
  impl_->prune(t0);
  auto& channel = impl_->channels[key];
  if (!channel) {
    channel = std::make_shared<Channel>(impl_->io);
    // Kept sockets are bounded (a node of thousands of checks must not run out of descriptors):
    // beyond the limit a channel opens a socket per query, as the probe CLI does.
    bool keep = impl_->channels.size() <= impl_->options.kept_udp_sockets;
    auto error = channel->init(check, keep);
    if (!error.empty()) {
      impl_->channels.erase(key);
      CheckResult r;
      r.reason = Reason::network_error;
      r.detail = error;
      co_return r;
    }
  }
  channel->last_used = t0;
  auto keep = channel;  // a reconfiguration must not destroy it under us
  auto pending = std::make_shared<Pending>(impl_->io);
  // The outer deadline: c-ares' own timeout (the same value) normally ends the query first.
  pending->timer.expires_after(check.timeout + std::chrono::milliseconds(20));
  keep->send(check, pending);
  if (!pending->done) {
    boost::system::error_code ec;
    co_await pending->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (!pending->done) {
    pending->done = true;  // a late callback is ignored
    co_return classify_ares_status(ARES_ETIMEOUT, ms_since(t0));
  }
  double rtt = std::chrono::duration<double, std::milli>(pending->answered - t0).count();
  if (pending->status != ARES_SUCCESS) co_return classify_ares_status(pending->status, rtt);
  Question q;
  q.id = pending->id;
  q.qname = check.qname;
  q.qtype = check.qtype;
  co_return classify_reply(pending->reply, q, check.expect, rtt);
}

}  // namespace probes
