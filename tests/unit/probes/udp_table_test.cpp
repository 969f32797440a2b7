// The kernel's UDP table (probes/udp_table.hpp) as /proc/net/udp and udp6 print it: the listening
// sockets of one address and port (or the wildcard) summed, connected and other sockets skipped,
// and any garbage skipped without a throw.
#include <catch2/catch.hpp>

#include <bit>
#include <string>

#include "probes/udp_table.hpp"

using probes::queue_sample;
using probes::table_address;

namespace {
const char* kHeader =
    "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout "
    "inode ref pointer drops\n";

std::string row(const char* local, const char* remote, const char* rx, const char* drops) {
  return std::string("  12: ") + local + " " + remote + " 07 00000000:" + rx +
         " 00:00000000 00000000   102        0 4242 2 0000000000000000 " + drops + "\n";
}
}  // namespace

// The kernel prints each address word as the CPU holds it; these strings are x86's.
TEST_CASE("udp table: the resolver's listening sockets, summed; others skipped",
          "[little-endian]") {
  if constexpr (std::endian::native != std::endian::little) return;
  auto server = table_address("192.0.2.53");
  REQUIRE(server);
  std::string table = kHeader;
  table += row("350200C0:0035", "00000000:0000", "00000300", "0");  // 192.0.2.53:53
  table += row("350200C0:0035", "00000000:0000", "00000600", "5");  // its twin (SO_REUSEPORT)
  table += row("00000000:0035", "00000000:0000", "00000010", "1");  // 0.0.0.0:53 answers too
  table += row("0100007F:0035", "00000000:0000", "0000FFFF", "9");  // 127.0.0.1:53: another
  table += row("350200C0:9C40", "500200C0:0035", "0000FFFF", "9");  // an upstream socket
  table += row("350200C0:0035", "0A0200C0:D431", "0000FFFF", "9");  // connected on 53
  auto s = queue_sample(table, *server, 53);
  CHECK(s.present);
  CHECK(s.queued == 0x300 + 0x600 + 0x10);
  CHECK(s.drops == 6);
  // Another port: nothing matches.
  CHECK_FALSE(queue_sample(table, *server, 5353).present);
}

TEST_CASE("udp table: IPv6 rows", "[little-endian]") {
  if constexpr (std::endian::native != std::endian::little) return;
  auto server = table_address("2001:db8::53");
  REQUIRE(server);
  CHECK(probes::table_path(*server) == "/proc/self/net/udp6");
  std::string table = kHeader;
  // 2001:0db8:0000:0000:0000:0000:0000:0053, word by word as x86 holds them.
  table += row("B80D0120000000000000000053000000:0035", "00000000000000000000000000000000:0000",
               "00000900", "2");
  table += row("00000000000000000000000000000000:0035", "00000000000000000000000000000000:0000",
               "00000000", "0");
  auto s = queue_sample(table, *server, 53);
  CHECK(s.present);
  CHECK(s.queued == 0x900);
  CHECK(s.drops == 2);
}

TEST_CASE("udp table: garbage is skipped, never thrown") {
  auto server = table_address("192.0.2.53");
  REQUIRE(server);
  CHECK(probes::table_path(*server) == "/proc/self/net/udp");
  for (const char* text :
       {"", "\n\n\n", kHeader, "  1: zz:0035 00000000:0000 07 00000000:00000300 x x x x x x x 0\n",
        "  1: 350200C0:0035 00000000:0000 07 00000000:XYZ 00:0 0 0 0 0 2 0 0\n",
        "  1: 350200C0:0035 00000000:0000 07 00000000:00000300 00:0 0 0 0 0 2 0 -1\n",
        "  1: 350200C0:10035 00000000:0000 07 00000000:00000300 00:0 0 0 0 0 2 0 0\n",
        "  1: 350200C0:0035 00000000:0000 07 0000000000000300 00:0 0 0 0 0 2 0 0\n",
        "  1: 350200C0350200C0:0035 00000000:0000 07 00000000:1 00:0 0 0 0 0 2 0 0\n"}) {
    INFO(text);
    CHECK_FALSE(queue_sample(text, *server, 53).present);
  }
  CHECK_FALSE(table_address("not an address"));
  CHECK_FALSE(table_address(""));
}
