#include "probes/ares_socket_shim.hpp"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace probes {

const ares_socket_functions SocketShim::kFunctions = {
    &SocketShim::sock_open, &SocketShim::sock_close, &SocketShim::sock_connect,
    &SocketShim::sock_recv, &SocketShim::sock_send};

void SocketShim::install(ares_channel channel) {
  ares_set_socket_functions(channel, &kFunctions, this);
}

bool SocketShim::tcp_pending(int fd) const {
  auto it = sockets_.find(fd);
  if (it == sockets_.end() || !it->second.tcp) return false;
  const auto& s = it->second;
  return s.ready_pos < s.ready.size() || s.eof || s.error;
}

ares_socket_t SocketShim::sock_open(int domain, int type, int protocol, void* data) {
  int fd = ::socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return ARES_SOCKET_BAD;
  Socket s;
  s.tcp = (type & 0xff) == SOCK_STREAM;
  of(data).sockets_[fd] = std::move(s);
  return fd;
}

int SocketShim::sock_close(ares_socket_t fd, void* data) {
  of(data).sockets_.erase(fd);
  return ::close(fd);
}

int SocketShim::sock_connect(ares_socket_t fd, const sockaddr* addr, ares_socklen_t len, void*) {
  return ::connect(fd, addr, len);
}

ares_ssize_t SocketShim::sock_send(ares_socket_t fd, const iovec* iov, int count, void* data) {
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

ares_ssize_t SocketShim::sock_recv(ares_socket_t fd, void* buf, std::size_t len, int flags,
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

ares_ssize_t SocketShim::tcp_recv(Socket& s, int fd, std::uint8_t* buf, std::size_t len) {
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

}  // namespace probes
