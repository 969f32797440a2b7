// Walks a DNS reply with c-ares' own name decoder (ares_expand_name handles compression and
// rejects loops and out-of-range pointers); every length is checked before it is used, so any
// malformed packet ends as bad_response.
#include "probes/classify.hpp"
#include "sidecar/lib/printable.hpp"

#include <cstdio>

#include <ares.h>
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <optional>

namespace probes {
namespace {

constexpr std::size_t kHeader = 12;
constexpr std::size_t kMaxAnswers = 64;  // bound on what we keep from one reply

struct AresString {
  void operator()(void* p) const { ares_free_string(p); }
};

// Decodes a (possibly compressed) name at pos; advances pos past its encoding.
std::optional<std::string> read_name(std::span<const std::uint8_t> pkt, std::size_t& pos) {
  if (pos >= pkt.size()) return std::nullopt;
  char* out = nullptr;
  long len = 0;
  if (ares_expand_name(pkt.data() + pos, pkt.data(), static_cast<int>(pkt.size()), &out, &len) !=
      ARES_SUCCESS) {
    return std::nullopt;
  }
  std::unique_ptr<char, AresString> holder(out);
  if (len <= 0 || pos + static_cast<std::size_t>(len) > pkt.size()) return std::nullopt;
  pos += static_cast<std::size_t>(len);
  return std::string(out);
}

std::uint16_t u16(std::span<const std::uint8_t> p, std::size_t at) {
  return static_cast<std::uint16_t>(p[at] << 8 | p[at + 1]);
}

std::uint32_t u32(std::span<const std::uint8_t> p, std::size_t at) {
  return static_cast<std::uint32_t>(p[at]) << 24 | static_cast<std::uint32_t>(p[at + 1]) << 16 |
         static_cast<std::uint32_t>(p[at + 2]) << 8 | p[at + 3];
}

std::string lower_no_dot(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out.back() == '.') out.pop_back();
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Text of one RDATA of a known type; nullopt when malformed, "" for types we do not render.
std::optional<std::string> rdata_text(std::span<const std::uint8_t> pkt, std::uint16_t type,
                                      std::size_t pos, std::size_t len) {
  auto rd = pkt.subspan(pos, len);
  char buf[INET6_ADDRSTRLEN] = {};
  switch (type) {
    case 1:  // A
      if (len != 4) return std::nullopt;
      inet_ntop(AF_INET, rd.data(), buf, sizeof buf);
      return std::string(buf);
    case 28:  // AAAA
      if (len != 16) return std::nullopt;
      inet_ntop(AF_INET6, rd.data(), buf, sizeof buf);
      return std::string(buf);
    case 2:     // NS
    case 5:     // CNAME
    case 12: {  // PTR
      std::size_t p = pos;
      auto name = read_name(pkt, p);
      if (!name || p > pos + len) return std::nullopt;
      return *name + ".";
    }
    case 15: {  // MX
      if (len < 3) return std::nullopt;
      std::size_t p = pos + 2;
      auto name = read_name(pkt, p);
      if (!name || p > pos + len) return std::nullopt;
      return std::to_string(u16(pkt, pos)) + " " + *name + ".";
    }
    case 33: {  // SRV
      if (len < 7) return std::nullopt;
      std::size_t p = pos + 6;
      auto name = read_name(pkt, p);
      if (!name || p != pos + len) return std::nullopt;
      return std::to_string(u16(pkt, pos)) + " " + std::to_string(u16(pkt, pos + 2)) + " " +
             std::to_string(u16(pkt, pos + 4)) + " " + *name + ".";
    }
    case 16: {  // TXT: one or more character-strings, joined
      std::string out;
      std::size_t p = 0;
      while (p < len) {
        std::size_t n = rd[p];
        if (p + 1 + n > len) return std::nullopt;
        for (std::size_t i = 0; i < n; ++i) {
          unsigned char c = rd[p + 1 + i];
          out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
        }
        p += 1 + n;
      }
      return out;
    }
    case 6: {  // SOA
      std::size_t p = pos;
      auto mname = read_name(pkt, p);
      if (!mname) return std::nullopt;
      auto rname = read_name(pkt, p);
      if (!rname || p + 20 != pos + len) return std::nullopt;
      return *mname + ". " + *rname + ". " + std::to_string(u32(pkt, p));
    }
    default:
      return std::string();
  }
}

CheckResult make(Reason reason, std::string detail, double rtt_ms) {
  CheckResult r;
  r.ok = reason == Reason::ok;
  r.reason = reason;
  r.detail = std::move(detail);
  r.rtt_ms = rtt_ms;
  return r;
}

bool same_address_or_text(const std::string& want, const std::string& have) {
  if (want == have) return true;
  unsigned char a[16], b[16];
  for (int af : {AF_INET, AF_INET6}) {
    if (inet_pton(af, want.c_str(), a) == 1 && inet_pton(af, have.c_str(), b) == 1) {
      return std::memcmp(a, b, af == AF_INET ? 4 : 16) == 0;
    }
  }
  return lower_no_dot(want) == lower_no_dot(have);
}

// The verdict when the rcode alone decides: it differs from the expected one, or it is the
// expected non-NOERROR rcode (e.g. NXDOMAIN for a negative probe).
CheckResult judge_rcode(CheckResult r, int rcode, std::size_t of_type, const Expectation& expect) {
  std::string rname = rcode_to_string(rcode);
  if (rcode == expect.rcode) {
    r.ok = true;
    r.reason = Reason::ok;
    r.detail = rname + " as expected";
    return r;
  }
  r.ok = false;
  r.reason = rcode == 2   ? Reason::servfail
             : rcode == 5 ? Reason::refused
             : rcode == 3 ? Reason::nxdomain
             : rcode == 0 ? (of_type == 0 ? Reason::nodata : Reason::wrong_answer)
                          : Reason::bad_response;
  r.detail = rname + " (expected " + rcode_to_string(expect.rcode) + ")";
  return r;
}

}  // namespace

static CheckResult classify_unsanitized(std::span<const std::uint8_t> pkt, const Question& question,
                                        const Expectation& expect, double rtt_ms) {
  if (pkt.size() < kHeader) {
    return make(Reason::bad_response,
                "reply shorter than a DNS header (" + std::to_string(pkt.size()) + " bytes)",
                rtt_ms);
  }
  std::uint16_t id = u16(pkt, 0);
  std::uint8_t flags1 = pkt[2], flags2 = pkt[3];
  if (!(flags1 & 0x80)) return make(Reason::bad_response, "reply has QR=0 (a query)", rtt_ms);
  if (question.id != 0 && id != question.id) {
    return make(Reason::bad_response,
                "reply ID " + std::to_string(id) + " does not match query ID " +
                    std::to_string(question.id),
                rtt_ms);
  }
  if (flags1 & 0x02) {
    return make(Reason::bad_response, "reply truncated (TC=1): retry over TCP", rtt_ms);
  }
  int rcode = flags2 & 0x0f;
  std::uint16_t qd = u16(pkt, 4), an = u16(pkt, 6);
  std::size_t pos = kHeader;
  if (qd == 0 && rcode != 0 && an == 0) {
    // RFC 1035 lets a server omit the question from an error reply (BIND does for FORMERR);
    // the rcode is all there is to judge.
    CheckResult r = make(Reason::bad_response, "", rtt_ms);
    r.rcode = rcode;
    return judge_rcode(std::move(r), rcode, 0, expect);
  }
  if (qd != 1) {
    return make(Reason::bad_response, "reply has " + std::to_string(qd) + " questions, expected 1",
                rtt_ms);
  }
  auto qname = read_name(pkt, pos);
  if (!qname || pos + 4 > pkt.size()) {
    return make(Reason::bad_response, "malformed question section", rtt_ms);
  }
  std::uint16_t qtype = u16(pkt, pos);
  pos += 4;
  if (lower_no_dot(*qname) != lower_no_dot(question.qname) || qtype != question.qtype) {
    return make(Reason::bad_response,
                "reply is for another question (" + *qname + " " + qtype_to_string(qtype) + ")",
                rtt_ms);
  }

  CheckResult r;
  r.rtt_ms = rtt_ms;
  r.rcode = rcode;
  // Answers of the asked type (a CNAME chain is followed implicitly: we keep the final records).
  std::size_t of_type = 0;
  for (std::uint16_t i = 0; i < an; ++i) {
    auto name = read_name(pkt, pos);
    if (!name || pos + 10 > pkt.size()) {
      r.reason = Reason::bad_response;
      r.detail = "malformed answer record " + std::to_string(i + 1);
      r.answers.clear();
      return r;
    }
    std::uint16_t type = u16(pkt, pos);
    std::uint16_t rdlen = u16(pkt, pos + 8);
    pos += 10;
    if (pos + rdlen > pkt.size()) {
      r.reason = Reason::bad_response;
      r.detail = "answer record " + std::to_string(i + 1) + " runs past the end of the reply";
      r.answers.clear();
      return r;
    }
    if (type == question.qtype || question.qtype == 255) {
      auto text = rdata_text(pkt, type, pos, rdlen);
      if (!text) {
        r.reason = Reason::bad_response;
        r.detail = "malformed " + qtype_to_string(type) + " record";
        r.answers.clear();
        return r;
      }
      ++of_type;
      if (r.answers.size() < kMaxAnswers && !text->empty()) r.answers.push_back(*text);
    }
    pos += rdlen;
  }

  if (rcode != expect.rcode || rcode != 0) return judge_rcode(std::move(r), rcode, of_type, expect);
  if (of_type == 0) {
    r.reason = Reason::nodata;
    r.detail = "NOERROR 0 answers of type " + qtype_to_string(question.qtype);
    return r;
  }
  for (const auto& want : expect.answers) {
    bool found = std::any_of(r.answers.begin(), r.answers.end(), [&](const std::string& have) {
      return same_address_or_text(want, have);
    });
    if (!found) {
      r.reason = Reason::wrong_answer;
      std::string got;
      for (std::size_t i = 0; i < r.answers.size() && i < 4; ++i) {
        got += (i ? " " : "") + r.answers[i];
      }
      r.detail = "expected " + want + ", got " + got;
      return r;
    }
  }
  r.detail = "NOERROR " + std::to_string(of_type) + (of_type == 1 ? " answer" : " answers");
  // Judged last: "slow" means the answer was right, only late (a wrong answer says so instead).
  if (expect.max_rtt && rtt_ms > static_cast<double>(expect.max_rtt->count())) {
    r.reason = Reason::slow;
    char buf[96];
    std::snprintf(buf, sizeof buf, " in %.1f ms, more than max_rtt_ms %lld", rtt_ms,
                  static_cast<long long>(expect.max_rtt->count()));
    r.detail += buf;
    return r;
  }
  r.ok = true;
  r.reason = Reason::ok;
  return r;
}

CheckResult classify_reply(std::span<const std::uint8_t> pkt, const Question& question,
                           const Expectation& expect, double rtt_ms) {
  // A reply is a stranger's bytes: names and record text in the detail and the answers enter
  // the status file from here, so they are made printable UTF-8 here.
  auto r = classify_unsanitized(pkt, question, expect, rtt_ms);
  r.detail = text::printable(r.detail, 400);
  for (auto& a : r.answers) a = text::printable(a, 300);
  return r;
}

CheckResult classify_ares_status(int status, double rtt_ms) {
  switch (status) {
    case ARES_ETIMEOUT:
      return make(Reason::timeout, "no reply before the deadline", rtt_ms);
    case ARES_ECONNREFUSED:
      return make(Reason::connection_refused, "connection refused (nothing listens)", rtt_ms);
    case ARES_EBADRESP:
    case ARES_EFORMERR:
      return make(Reason::bad_response, std::string("bad reply: ") + ares_strerror(status), rtt_ms);
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
      return make(Reason::timeout, std::string("probe abandoned: ") + ares_strerror(status),
                  rtt_ms);
    default:
      return make(Reason::network_error, ares_strerror(status), rtt_ms);
  }
}

}  // namespace probes
