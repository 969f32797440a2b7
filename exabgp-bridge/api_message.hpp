#pragma once
// Pure parsing of what ExaBGP writes to its process child: no I/O, no Asio. Checked against
// captured output of 4.2.21 (Debian 12), 4.2.25 (Debian 13) and 5.0.15 (Debian unstable):
// tests/unit/bridge/captured/.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace bridge {

struct ApiMessage {
  enum class Kind {
    blank,           // empty line (the text encoder separates messages with one)
    ack_done,        // "done"
    ack_error,       // "error"
    shutdown,        // "shutdown <pid> <ppid>" (text) or {"type": "notification", "notification":
                     // "shutdown"}
    version,         // "exabgp 4.2.21": the answer to our "version" ping
    neighbor_state,  // {"type": "state", "neighbor": {"address": {"peer": ...}, "state": ...}}
    other_json,      // valid JSON of another type (update, keepalive, ...): ignored
    unknown,         // anything else: counted and ignored
  };
  Kind kind = Kind::unknown;
  std::string peer;   // neighbor_state: the peer address
  std::string state;  // neighbor_state: "up" | "down" | "connected" | ...
  std::string text;   // version: the version text; unknown: a short, printable excerpt
};

ApiMessage parse_api_line(std::string_view line);

// The release number in a version answer: "exabgp 4.2.21" -> "4.2.21" (digits and dots, at most
// 32 characters, so it is printable and valid UTF-8 by construction); "" for anything else.
std::string exabgp_version_number(std::string_view answer);

// Splits a byte stream into lines. A line longer than max_line is discarded whole (up to and
// including its newline) and counted; memory held never exceeds max_line bytes.
class LineSplitter {
 public:
  explicit LineSplitter(std::size_t max_line = 64 * 1024) : max_line_(max_line) {}
  // Calls on_line for every complete line in data (without "\n", a trailing "\r" removed).
  void feed(std::string_view data, const std::function<void(std::string_view)>& on_line);
  std::uint64_t lines() const { return lines_; }
  std::uint64_t discarded_long_lines() const { return discarded_; }
  std::size_t buffered() const { return partial_.size(); }

 private:
  void reserve_for(std::size_t more);
  std::size_t max_line_;
  std::string partial_;
  bool discarding_ = false;
  std::uint64_t lines_ = 0;
  std::uint64_t discarded_ = 0;
};

}  // namespace bridge
