// The resolver's socket asked of the kernel by sock_diag (probes/udp_diag.hpp): the request
// names the listening socket of server:port; replies (a socket, none, a refusal, another
// question's answer, garbage) are told apart without a read past the end; and, against this
// machine's kernel, a real socket's unread datagrams are seen, then gone once read.
#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include "probes/queue_watch.hpp"
#include "probes/udp_diag.hpp"

using probes::DiagReply;
using Kind = probes::DiagReply::Kind;

namespace {
std::vector<std::uint8_t> message(std::uint16_t type, std::uint32_t seq, const void* body,
                                  std::size_t size) {
  nlmsghdr h{};
  h.nlmsg_len = static_cast<std::uint32_t>(NLMSG_HDRLEN + size);
  h.nlmsg_type = type;
  h.nlmsg_seq = seq;
  std::vector<std::uint8_t> out(NLMSG_HDRLEN + size);
  std::memcpy(out.data(), &h, sizeof(h));
  std::memcpy(out.data() + NLMSG_HDRLEN, body, size);
  return out;
}

std::vector<std::uint8_t> socket_reply(std::uint32_t seq, std::uint32_t rqueue,
                                       std::uint32_t drops) {
  struct {
    inet_diag_msg msg;
    nlattr attr;
    std::uint32_t meminfo[SK_MEMINFO_VARS];
  } body{};
  body.msg.idiag_family = AF_INET;
  body.msg.idiag_rqueue = rqueue;
  body.attr.nla_len = sizeof(body.attr) + sizeof(body.meminfo);
  body.attr.nla_type = INET_DIAG_SKMEMINFO;
  body.meminfo[SK_MEMINFO_DROPS] = drops;
  return message(SOCK_DIAG_BY_FAMILY, seq, &body, sizeof(body));
}

std::vector<std::uint8_t> error_reply(std::uint32_t seq, int error) {
  nlmsgerr err{};
  err.error = -error;
  return message(NLMSG_ERROR, seq, &err, sizeof(err));
}
}  // namespace

TEST_CASE("udp diag: the request names the listening socket of server:port") {
  auto server = probes::table_address("192.0.2.53");
  REQUIRE(server);
  auto bytes = probes::diag_request(*server, 53, 7);
  REQUIRE(bytes.size() == sizeof(nlmsghdr) + sizeof(inet_diag_req_v2));
  nlmsghdr h{};
  inet_diag_req_v2 req{};
  std::memcpy(&h, bytes.data(), sizeof(h));
  std::memcpy(&req, bytes.data() + sizeof(h), sizeof(req));
  CHECK(h.nlmsg_len == bytes.size());
  CHECK(h.nlmsg_type == SOCK_DIAG_BY_FAMILY);
  CHECK(h.nlmsg_flags == NLM_F_REQUEST);  // one socket, not a dump of the table
  CHECK(h.nlmsg_seq == 7);
  CHECK(req.sdiag_family == AF_INET);
  CHECK(req.sdiag_protocol == IPPROTO_UDP);
  CHECK(req.idiag_ext == 1U << (INET_DIAG_SKMEMINFO - 1));
  CHECK(ntohs(req.id.idiag_dport) == 53);  // the resolver's end is the destination
  CHECK(req.id.idiag_sport == 0);
  CHECK(std::memcmp(req.id.idiag_dst, server->bytes.data(), 4) == 0);
  CHECK(req.id.idiag_src[0] == 0);
  auto v6 = probes::table_address("2001:db8::53");
  REQUIRE(v6);
  auto bytes6 = probes::diag_request(*v6, 5353, 8);
  std::memcpy(&req, bytes6.data() + sizeof(h), sizeof(req));
  CHECK(req.sdiag_family == AF_INET6);
  CHECK(ntohs(req.id.idiag_dport) == 5353);
  CHECK(std::memcmp(req.id.idiag_dst, v6->bytes.data(), 16) == 0);
}

TEST_CASE("udp diag: replies told apart") {
  SECTION("a socket: its queue and drops") {
    auto r = probes::parse_diag_reply(socket_reply(3, 4160, 9), 3);
    CHECK(r.kind == Kind::sample);
    CHECK(r.sample.present);
    CHECK(r.sample.queued == 4160);
    CHECK(r.sample.drops == 9);
  }
  SECTION("no socket: nothing listens") {
    auto r = probes::parse_diag_reply(error_reply(3, ENOENT), 3);
    CHECK(r.kind == Kind::no_socket);
    CHECK_FALSE(r.sample.present);
  }
  SECTION("the kernel cannot answer: use the table") {
    for (int e : {EINVAL, EOPNOTSUPP, EPERM, EACCES}) {
      auto r = probes::parse_diag_reply(error_reply(3, e), 3);
      CHECK(r.kind == Kind::refused);
      CHECK(r.error == e);
    }
  }
  SECTION("another question's answer, or an ack, is not this one's") {
    CHECK(probes::parse_diag_reply(socket_reply(2, 4160, 0), 3).kind == Kind::other);
    CHECK(probes::parse_diag_reply(error_reply(3, 0), 3).kind == Kind::other);
  }
  SECTION("an error that is no errno is garbage (INT_MIN, found by fuzz_udp_table)") {
    for (int e : {std::numeric_limits<int>::min(), -4096, -70000}) {
      nlmsgerr err{};
      err.error = e;
      CHECK(probes::parse_diag_reply(message(NLMSG_ERROR, 3, &err, sizeof(err)), 3).kind ==
            Kind::other);
    }
  }
  SECTION("short, inconsistent or trailing-garbage bytes never read past the end") {
    auto good = socket_reply(3, 4160, 9);
    for (std::size_t cut = 0; cut < good.size(); ++cut) {
      std::vector<std::uint8_t> part(good.begin(), good.begin() + static_cast<long>(cut));
      auto r = probes::parse_diag_reply(part, 3);
      CHECK(r.kind == Kind::other);  // the header's length is more than the bytes
    }
    // The header claims less than the message: the attribute is outside it, drops unknown.
    auto shorter = good;
    std::uint32_t len = NLMSG_HDRLEN + sizeof(inet_diag_msg);
    std::memcpy(shorter.data(), &len, sizeof(len));
    auto r = probes::parse_diag_reply(shorter, 3);
    CHECK(r.kind == Kind::sample);
    CHECK(r.sample.drops == 0);
    // An attribute longer than the message is ignored.
    auto bad_attr = good;
    std::uint16_t huge = 0xFFFF;
    std::memcpy(bad_attr.data() + NLMSG_HDRLEN + sizeof(inet_diag_msg), &huge, sizeof(huge));
    r = probes::parse_diag_reply(bad_attr, 3);
    CHECK(r.kind == Kind::sample);
    CHECK(r.sample.drops == 0);
  }
}

TEST_CASE("udp diag: this kernel sees a real socket's unread datagrams, then none") {
  int rx = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  int tx = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(rx >= 0);
  REQUIRE(tx >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(rx, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(::getsockname(rx, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const std::uint16_t port = ntohs(addr.sin_port);
  auto server = probes::table_address("127.0.0.1");
  REQUIRE(server);

  int fd = -1;
  std::vector<std::uint8_t> buffer;
  probes::QueueSample s;
  auto asked = probes::ask_diag(fd, 1, *server, port, buffer, s);
  if (asked == probes::DiagAsk::unavailable) {
    WARN("sock_diag cannot answer here (no udp_diag module?): the table is read instead");
  } else {
    REQUIRE(asked == probes::DiagAsk::answered);
    CHECK(s.present);
    CHECK(s.queued == 0);
    const char datagram[100] = {};
    for (int i = 0; i < 3; ++i) {
      REQUIRE(::sendto(tx, datagram, sizeof(datagram), 0, reinterpret_cast<sockaddr*>(&addr),
                       sizeof(addr)) == sizeof(datagram));
    }
    REQUIRE(probes::ask_diag(fd, 2, *server, port, buffer, s) == probes::DiagAsk::answered);
    CHECK(s.present);
    CHECK(s.queued > 0);
    char sink[200];
    for (int i = 0; i < 3; ++i) REQUIRE(::recv(rx, sink, sizeof(sink), 0) == sizeof(datagram));
    REQUIRE(probes::ask_diag(fd, 3, *server, port, buffer, s) == probes::DiagAsk::answered);
    CHECK(s.present);
    CHECK(s.queued == 0);
    ::close(rx);
    rx = -1;
    REQUIRE(probes::ask_diag(fd, 4, *server, port, buffer, s) == probes::DiagAsk::answered);
    CHECK_FALSE(s.present);  // nothing listens there any more
  }
  if (fd >= 0) ::close(fd);
  if (rx >= 0) ::close(rx);
  ::close(tx);
}
