// Any text as the kernel's UDP table (/proc/net/udp, udp6): queue_sample must never crash, report
// nothing when no row matched, and its samples fed to the stall decision must keep that decision
// consistent (a stall always has a run begun no later than the sample that declared it). The same
// bytes as a sock_diag reply (udp_diag.hpp): parsed without a read past the end (the sanitizers
// see one), and only a socket's reply carries figures.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "probes/queue_policy.hpp"
#include "probes/udp_diag.hpp"
#include "probes/udp_table.hpp"

// Input layout: one option byte (bits 0-1: the server, bit 2: port 53 or 5353), then the table.
// Lines of the table are also fed one by one as successive samples 20 ms apart.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return -1;
  constexpr std::string_view kServers[] = {"192.0.2.53", "0.0.0.0", "2001:db8::53", "::"};
  auto server = probes::table_address(kServers[data[0] & 3]);
  FUZZ_REQUIRE(server.has_value(), "the fixed servers parse");
  std::uint16_t port = (data[0] & 4) ? 5353 : 53;
  std::string_view table(reinterpret_cast<const char*>(data + 1), size - 1);

  auto reply = probes::parse_diag_reply({data + 1, size - 1}, data[0]);
  FUZZ_REQUIRE(reply.kind == probes::DiagReply::Kind::sample ||
                   (!reply.sample.present && reply.sample.queued == 0 && reply.sample.drops == 0),
               "only a socket's reply carries figures");

  auto whole = probes::queue_sample(table, *server, port);
  FUZZ_REQUIRE(whole.present || (whole.queued == 0 && whole.drops == 0),
               "no matching row, no figures");

  probes::QueuePolicy policy({std::chrono::milliseconds(100), std::chrono::milliseconds(1000)});
  auto now = probes::QueuePolicy::Clock::time_point{} + std::chrono::hours(1);
  std::size_t pos = 0;
  while (pos < table.size()) {
    auto nl = table.find('\n', pos);
    auto line = table.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? table.size() : nl + 1;
    auto s = probes::queue_sample(line, *server, port);
    policy.sample(s, now);
    if (policy.stalled()) {
      FUZZ_REQUIRE(policy.unread_since() && *policy.unread_since() <= now,
                   "a stall has a run that began no later than now");
      FUZZ_REQUIRE(s.present && s.queued > 0, "a stall's latest sample shows a queue");
    }
    now += std::chrono::milliseconds(20);
  }
  return 0;
}
