#pragma once
// Builds DNS messages byte by byte for the classifier tests: valid replies, and every way of
// getting one wrong.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace probes_test {

struct Packet {
  std::vector<std::uint8_t> bytes;

  Packet& u8(std::uint8_t v) {
    bytes.push_back(v);
    return *this;
  }
  Packet& u16(std::uint16_t v) { return u8(static_cast<std::uint8_t>(v >> 8)).u8(v & 0xff); }
  Packet& u32(std::uint32_t v) { return u16(static_cast<std::uint16_t>(v >> 16)).u16(v & 0xffff); }
  Packet& raw(std::initializer_list<std::uint8_t> v) {
    bytes.insert(bytes.end(), v);
    return *this;
  }
  // Uncompressed name ("probe.health.test" or "probe.health.test.").
  Packet& name(std::string_view n) {
    while (!n.empty()) {
      auto dot = n.find('.');
      auto label = n.substr(0, dot);
      if (!label.empty()) {
        u8(static_cast<std::uint8_t>(label.size()));
        bytes.insert(bytes.end(), label.begin(), label.end());
      }
      if (dot == std::string_view::npos) break;
      n.remove_prefix(dot + 1);
    }
    return u8(0);
  }
  Packet& pointer(std::uint16_t offset) { return u16(static_cast<std::uint16_t>(0xC000 | offset)); }
  std::size_t size() const { return bytes.size(); }
};

struct Header {
  std::uint16_t id = 0x1234;
  bool qr = true;
  bool tc = false;
  int rcode = 0;
  std::uint16_t qd = 1, an = 0, ns = 0, ar = 0;
};

inline Packet header(const Header& h) {
  Packet p;
  p.u16(h.id);
  p.u8(static_cast<std::uint8_t>((h.qr ? 0x80 : 0) | (h.tc ? 0x02 : 0) | 0x01));  // RD
  p.u8(static_cast<std::uint8_t>(0x80 | (h.rcode & 0x0f)));                       // RA
  p.u16(h.qd).u16(h.an).u16(h.ns).u16(h.ar);
  return p;
}

// Header + question (name at offset 12, so answers can point at it with pointer(12)).
inline Packet reply(const Header& h, std::string_view qname, std::uint16_t qtype) {
  Packet p = header(h);
  p.name(qname).u16(qtype).u16(1);
  return p;
}

inline Packet& a_record(Packet& p, std::initializer_list<std::uint8_t> addr,
                        std::uint16_t type = 1) {
  p.pointer(12).u16(type).u16(1).u32(60).u16(static_cast<std::uint16_t>(addr.size())).raw(addr);
  return p;
}

}  // namespace probes_test
