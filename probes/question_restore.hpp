#pragma once
// c-ares 1.18 drops every reply whose question section differs from its query's, and a server may
// answer an error with a bare header (Unbound's `access-control: ... refuse` sends a 12-byte
// REFUSED with QDCOUNT 0). Dropped, that REFUSED would look like a timeout. These pure pieces let
// the socket layer put the query's question back into such a reply, so c-ares hands it over and
// the rcode is judged. No sockets here.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

namespace probes {

class QuestionRestorer {
 public:
  // Remembers the question of an outgoing query (a whole DNS message, no TCP length prefix).
  void on_query(std::span<const std::uint8_t> query);
  // A reply with QR=1, QDCOUNT 0 and the ID of a remembered query gets that query's question
  // inserted after its header; any other message comes back unchanged. The ID is forgotten
  // either way once a reply carried it.
  std::vector<std::uint8_t> on_reply(std::span<const std::uint8_t> reply);
  // The query with this ID ended without a reply (timeout, error, cancel): nothing to restore.
  void forget(std::uint16_t id);
  std::size_t remembered() const { return questions_.size(); }

  static constexpr std::size_t kMaxRemembered = 4096;  // IDs are 16 bits; bound the memory

 private:
  struct Entry {
    std::uint64_t seq;  // insertion order, for evicting the oldest
    std::vector<std::uint8_t> question;
  };
  void erase(std::map<std::uint16_t, Entry>::iterator it);
  std::map<std::uint16_t, Entry> questions_;
  std::map<std::uint64_t, std::uint16_t> by_age_;  // seq -> id, oldest first
  std::uint64_t next_seq_ = 0;
};

// Splits a DNS-over-TCP byte stream (2-byte length, message) into messages.
class StreamFramer {
 public:
  static constexpr std::size_t kMaxBuffered = 2 * 65537;
  // False when more than kMaxBuffered bytes would wait for a frame (a broken peer).
  bool append(std::span<const std::uint8_t> bytes);
  std::optional<std::vector<std::uint8_t>> next();  // the next complete message

 private:
  std::vector<std::uint8_t> buf_;
};

}  // namespace probes
