// A DNS probe: c-ares on the program's Asio loop. The parts: ares_channel (one c-ares channel
// on the loop), ares_socket_shim (its sockets, with the question restored and TCP reframed),
// channel_pool (a channel per check, kept sockets bounded and swept), and here the probe itself.
// The c-ares traps this avoids:
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

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <mutex>
#include <string>

#include "probes/ares_channel.hpp"
#include "probes/channel_pool.hpp"
#include "probes/classify.hpp"

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

}  // namespace

struct DnsProber::Impl {
  Impl(asio::io_context& io, const DnsProber::Options& options)
      : io(io), pool(io, options.kept_udp_sockets, options.idle_channel) {}
  asio::io_context& io;
  ChannelPool pool;
};

DnsProber::DnsProber(asio::io_context& io, Options options)
    : impl_(std::make_shared<Impl>(io, options)) {
  init_library_once();
}

// Closing the channels here (not when the last handler lets go of them) ends their waits, so the
// io_context can run out of work.
DnsProber::~DnsProber() {
  impl_->pool.close_all();
}

asio::awaitable<CheckResult> DnsProber::probe(const DnsCheck& check) {
  auto t0 = Clock::now();
  std::string error;
  // Held here: a sweep or reconfiguration must not destroy the channel under this probe.
  auto keep = impl_->pool.get(check, t0, &error);
  if (!keep) {
    CheckResult r;
    r.reason = Reason::network_error;
    r.detail = error;
    co_return r;
  }
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
