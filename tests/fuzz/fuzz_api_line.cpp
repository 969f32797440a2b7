// ExaBGP's side of the pipe, as arbitrary bytes: the line splitter and the bridge's decisions must
// never crash, keep memory within max_line, and split the same way however the bytes arrive
// (the pipe delivers them in any chunking).
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exabgp-bridge/api_message.hpp"
#include "exabgp-bridge/bridge_core.hpp"
#include "fuzz_check.hpp"

namespace {

constexpr std::size_t kMaxLines[] = {64 * 1024, 4096, 256, 16};
constexpr std::size_t kMaxNeighbors = 4;

struct Split {
  std::vector<std::string> lines;
  std::uint64_t discarded = 0;
  std::size_t buffered = 0;
};

Split split(std::string_view data, std::size_t max_line, std::size_t chunk) {
  bridge::LineSplitter splitter(max_line);
  Split out;
  while (!data.empty()) {
    auto piece = data.substr(0, chunk);
    data.remove_prefix(piece.size());
    splitter.feed(piece, [&](std::string_view line) {
      FUZZ_REQUIRE(line.size() <= max_line, "a line longer than max_line was delivered");
      FUZZ_REQUIRE(line.find('\n') == std::string_view::npos, "a line contains a newline");
      out.lines.emplace_back(line);
    });
    FUZZ_REQUIRE(splitter.buffered() <= max_line, "the splitter holds more than max_line bytes");
  }
  out.discarded = splitter.discarded_long_lines();
  out.buffered = splitter.buffered();
  return out;
}

bool printable(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7f; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // The knobs come from the bytes themselves (without consuming them), so a seed that is a real
  // ExaBGP transcript stays one.
  unsigned knob = size ? (data[0] ^ data[size - 1] ^ static_cast<unsigned>(size)) : 0;
  std::size_t max_line = kMaxLines[knob & 3];
  std::size_t chunk = 1 + ((knob >> 2) & 63) * 17;

  auto whole = split(bytes, max_line, bytes.size() + 1);
  auto chunked = split(bytes, max_line, chunk);
  FUZZ_REQUIRE(whole.lines == chunked.lines, "lines depend on how the bytes were chunked");
  FUZZ_REQUIRE(whole.discarded == chunked.discarded, "discard count depends on chunking");

  bridge::BridgeOptions options;
  options.ack = (knob & 0x100) == 0;
  options.ack_timeout = std::chrono::milliseconds(50);
  options.ping_interval = std::chrono::milliseconds(200);
  options.max_neighbors = kMaxNeighbors;
  bridge::BridgeCore core(options);
  auto now = bridge::Clock::time_point{} + std::chrono::hours(1);
  const std::string announce = "announce route 192.0.2.53/32 next-hop self";
  const std::string withdraw = "withdraw route 192.0.2.53/32 next-hop self";
  core.set_desired("192.0.2.53/32", announce);

  // Sometimes a write stays unfinished across a line, as when ExaBGP stops reading its pipe.
  const bool hold_writes = (knob & 0x200) != 0;
  std::size_t i = 0;
  for (const auto& line : chunked.lines) {
    if (i % 3 == 0) core.set_desired("192.0.2.53/32", (i / 3) % 2 ? withdraw : announce);
    if (!core.write_in_progress()) {
      for (const auto& cmd : core.take_batch(now)) {
        FUZZ_REQUIRE(!cmd.empty() && cmd.find('\n') == std::string::npos,
                     "a command to write is empty or holds a newline");
      }
    }
    if (core.write_in_progress() && !(hold_writes && i % 7 == 5)) core.on_write_finished(now);
    core.on_read_bytes(line.size() + 1);
    auto event = core.on_line(line, now);
    const auto& m = event.message;
    FUZZ_REQUIRE(m.text.size() <= 83 && printable(m.text), "message excerpt unbounded or raw");
    FUZZ_REQUIRE(m.peer.size() <= 83 && printable(m.peer), "peer excerpt unbounded or raw");
    FUZZ_REQUIRE(m.state.size() <= 83 && printable(m.state), "state excerpt unbounded or raw");
    FUZZ_REQUIRE(event.shutdown == (m.kind == bridge::ApiMessage::Kind::shutdown),
                 "shutdown event without a shutdown message (or the reverse)");
    FUZZ_REQUIRE(core.neighbors().size() <= kMaxNeighbors, "neighbors beyond max_neighbors");
    now += std::chrono::milliseconds(1 + line.size() % 97);
    core.tick(now);
    // The writer sleeps until next_wakeup: a wake-up already due with nothing to write would make
    // it spin at 100% CPU.
    if (auto wake = core.next_wakeup(now); wake && *wake <= now) {
      FUZZ_REQUIRE(!core.take_batch(now).empty(), "wake-up due now but nothing to write");
    }
    ++i;
  }
  auto status = core.route_status("192.0.2.53/32");
  FUZZ_REQUIRE(status.known, "the route's bookkeeping was lost");
  FUZZ_REQUIRE(status.line == announce || status.line == withdraw, "the route's line changed");
  core.on_eof(now);
  FUZZ_REQUIRE(core.state() == bridge::LinkState::gone, "EOF did not mark the bridge gone");
  FUZZ_REQUIRE(core.take_batch(now).empty(), "commands written after EOF");
  return 0;
}
