#include "probes/udp_table.hpp"

#include <arpa/inet.h>

#include <bit>
#include <charconv>
#include <cstring>
#include <vector>

namespace probes {
namespace {

std::optional<std::uint64_t> hex(std::string_view text) {
  std::uint64_t v = 0;
  if (text.empty() || text.size() > 16) return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 16);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// "0100007F:0035": the kernel prints each 32-bit word of the address as the CPU holds it (%08X
// of the in-memory word), so a word's bytes in memory order are the native encoding of its value.
bool parse_endpoint(std::string_view text, bool v6, TableAddress* addr, std::uint16_t* port) {
  auto colon = text.find(':');
  const std::size_t hex_len = v6 ? 32 : 8;
  if (colon != hex_len || text.size() != hex_len + 5) return false;
  addr->bytes.fill(0);
  addr->v6 = v6;
  for (std::size_t w = 0; w < hex_len / 8; ++w) {
    auto word = hex(text.substr(w * 8, 8));
    if (!word) return false;
    auto value = static_cast<std::uint32_t>(*word);
    std::memcpy(addr->bytes.data() + w * 4, &value, 4);  // native order, as the kernel printed
  }
  auto p = hex(text.substr(colon + 1));
  if (!p || *p > 0xFFFF) return false;
  *port = static_cast<std::uint16_t>(*p);
  return true;
}

bool is_zero(const TableAddress& a) {
  for (auto b : a.bytes) {
    if (b != 0) return false;
  }
  return true;
}

// Whitespace-separated fields of one line, at most `max`.
std::vector<std::string_view> fields(std::string_view line, std::size_t max) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size() && out.size() < max) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    auto start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

std::optional<TableAddress> table_address(std::string_view server) {
  std::string text(server);
  TableAddress a;
  if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) return a;
  a.v6 = true;
  if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) return a;
  return std::nullopt;
}

std::string table_path(const TableAddress& server) {
  return server.v6 ? "/proc/self/net/udp6" : "/proc/self/net/udp";
}

QueueSample queue_sample(std::string_view table, const TableAddress& server, std::uint16_t port) {
  // Columns: sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout
  // inode ref pointer drops (the header line does not parse as a row).
  constexpr std::size_t kColumns = 13;
  QueueSample s;
  std::size_t pos = 0;
  while (pos < table.size()) {
    auto nl = table.find('\n', pos);
    auto line = table.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? table.size() : nl + 1;
    auto f = fields(line, kColumns);
    if (f.size() < kColumns) continue;
    TableAddress local, remote;
    std::uint16_t local_port = 0, remote_port = 0;
    if (!parse_endpoint(f[1], server.v6, &local, &local_port) ||
        !parse_endpoint(f[2], server.v6, &remote, &remote_port)) {
      continue;
    }
    if (local_port != port || remote_port != 0 || !is_zero(remote)) continue;
    if (local.bytes != server.bytes && !is_zero(local)) continue;
    auto queues = f[4];
    auto colon = queues.find(':');
    if (colon == std::string_view::npos) continue;
    auto rx = hex(queues.substr(colon + 1));
    std::uint64_t drops = 0;
    auto [end, ec] = std::from_chars(f[12].data(), f[12].data() + f[12].size(), drops, 10);
    if (!rx || ec != std::errc() || end != f[12].data() + f[12].size()) continue;
    s.present = true;
    s.queued += *rx;
    s.drops += drops;
  }
  return s;
}

}  // namespace probes
