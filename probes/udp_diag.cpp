#include "probes/udp_diag.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace probes {
namespace {

constexpr int kMaxErrno = 4095;

template <typename T>
bool read_at(std::span<const std::uint8_t> bytes, std::size_t offset, T& out) {
  if (offset > bytes.size() || bytes.size() - offset < sizeof(T)) return false;
  std::memcpy(&out, bytes.data() + offset, sizeof(T));
  return true;
}

}  // namespace

std::vector<std::uint8_t> diag_request(const TableAddress& server, std::uint16_t port,
                                       std::uint32_t seq) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 req;
  } msg{};
  msg.header.nlmsg_len = sizeof(msg);
  msg.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.header.nlmsg_flags = NLM_F_REQUEST;
  msg.header.nlmsg_seq = seq;
  msg.req.sdiag_family = server.v6 ? AF_INET6 : AF_INET;
  msg.req.sdiag_protocol = IPPROTO_UDP;
  msg.req.idiag_ext = 1U << (INET_DIAG_SKMEMINFO - 1);
  msg.req.idiag_states = ~0U;
  // The kernel looks up the socket as for a datagram from idiag_src:idiag_sport (here anyone)
  // to idiag_dst:idiag_dport (the resolver): that reaches the listening socket, not one of the
  // resolver's connected upstream sockets.
  msg.req.id.idiag_dport = htons(port);
  std::memcpy(msg.req.id.idiag_dst, server.bytes.data(), server.v6 ? 16 : 4);
  msg.req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  msg.req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  std::vector<std::uint8_t> out(sizeof(msg));
  std::memcpy(out.data(), &msg, sizeof(msg));
  return out;
}

DiagReply parse_diag_reply(std::span<const std::uint8_t> bytes, std::uint32_t seq) {
  DiagReply r;
  nlmsghdr header{};
  if (!read_at(bytes, 0, header) || header.nlmsg_len < sizeof(header) ||
      header.nlmsg_len > bytes.size() || header.nlmsg_seq != seq) {
    return r;
  }
  auto body = bytes.subspan(NLMSG_HDRLEN, header.nlmsg_len - NLMSG_HDRLEN);
  if (header.nlmsg_type == NLMSG_ERROR) {
    nlmsgerr err{};
    if (!read_at(body, 0, err)) return r;
    // An errno is 1 to 4095 (the kernel's MAX_ERRNO); anything else (0 is an ack, INT_MIN
    // cannot even be negated) is not an answer to this question.
    if (err.error == -ENOENT) {
      r.kind = DiagReply::Kind::no_socket;
    } else if (err.error < 0 && err.error >= -kMaxErrno) {
      r.kind = DiagReply::Kind::refused;
      r.error = -err.error;
    }
    return r;
  }
  inet_diag_msg msg{};
  if (header.nlmsg_type != SOCK_DIAG_BY_FAMILY || !read_at(body, 0, msg)) return r;
  r.kind = DiagReply::Kind::sample;
  r.sample.present = true;
  r.sample.queued = msg.idiag_rqueue;
  // The attributes after the message: the memory counters carry the drop count.
  for (std::size_t at = NLMSG_ALIGN(sizeof(msg)); at < body.size();) {
    nlattr attr{};
    if (!read_at(body, at, attr) || attr.nla_len < sizeof(attr) ||
        attr.nla_len > body.size() - at) {
      break;
    }
    std::uint32_t drops = 0;
    if (attr.nla_type == INET_DIAG_SKMEMINFO &&
        read_at(body, at + NLA_HDRLEN + SK_MEMINFO_DROPS * sizeof(std::uint32_t), drops) &&
        NLA_HDRLEN + (SK_MEMINFO_DROPS + 1) * sizeof(std::uint32_t) <= attr.nla_len) {
      r.sample.drops = drops;
    }
    at += NLA_ALIGN(attr.nla_len);
  }
  return r;
}

}  // namespace probes
