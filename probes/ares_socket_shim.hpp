#pragma once
// The sockets c-ares uses, through ares_set_socket_functions. c-ares 1.18 drops a reply whose
// question section differs from the query's, so a bare-header REFUSED (Unbound's access-control
// refuse) would end as a timeout. Every query and reply of a channel passes through here, and a
// reply without its question gets the query's back (question_restore.hpp). For TCP that means
// reframing the stream: bytes taken from the kernel wait in `ready` until c-ares reads them, and
// the kernel has nothing left to wake the loop with, so the channel asks tcp_pending() and feeds
// c-ares again.
#include <ares.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "probes/question_restore.hpp"

namespace probes {

class SocketShim {
 public:
  SocketShim() = default;
  SocketShim(const SocketShim&) = delete;
  SocketShim& operator=(const SocketShim&) = delete;

  // Installs the functions on `channel`, with this object as their data.
  void install(ares_channel channel);
  // Reframed TCP bytes (or an end) wait for c-ares on fd.
  bool tcp_pending(int fd) const;
  // A query that ended unanswered (timed out, refused, cancelled) is forgotten here.
  void forget(std::uint16_t id) { restorer_.forget(id); }

 private:
  struct Socket {
    bool tcp = false;
    StreamFramer sent;                // TCP: what was written, to learn the queries
    StreamFramer received;            // TCP: what the kernel gave us
    std::vector<std::uint8_t> ready;  // TCP: reframed stream c-ares has not read yet
    std::size_t ready_pos = 0;
    bool eof = false;
    int error = 0;
  };

  static SocketShim& of(void* data) { return *static_cast<SocketShim*>(data); }
  static ares_socket_t sock_open(int domain, int type, int protocol, void* data);
  static int sock_close(ares_socket_t fd, void* data);
  static int sock_connect(ares_socket_t fd, const sockaddr* addr, ares_socklen_t len, void*);
  static ares_ssize_t sock_send(ares_socket_t fd, const iovec* iov, int count, void* data);
  static ares_ssize_t sock_recv(ares_socket_t fd, void* buf, std::size_t len, int flags,
                                sockaddr* from, ares_socklen_t* from_len, void* data);
  ares_ssize_t tcp_recv(Socket& s, int fd, std::uint8_t* buf, std::size_t len);

  static const ares_socket_functions kFunctions;

  std::map<int, Socket> sockets_;
  QuestionRestorer restorer_;
};

}  // namespace probes
