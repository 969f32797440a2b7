// Any bytes a socket can deliver as a "reply": classify_reply must return a verdict from the
// fixed vocabulary, never crash, and produce text the daemon can put in its status file (which
// nlohmann::json dumps strictly: invalid UTF-8 there would throw in the decision loop).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "probes/classify.hpp"

namespace {

// Input layout: two option bytes, then the reply exactly as received (the seed corpus holds real
// Unbound and BIND replies behind two such bytes, written by capture_seeds.py: keep both in step).
//   byte 0: bits 0-2 qname, bits 3-5 qtype, bit 6 check the ID, bit 7 expect a different ID
//   byte 1: bits 0-3 expected rcode, bits 4-6 which expected answers
constexpr std::string_view kNames[] = {
    "probe.health.test.", "txt.health.test.", "health.test.",      "www.example.test.",
    "nx.health.test.",    "x1.example.test.", "probe.health.test", "."};
constexpr std::uint16_t kTypes[] = {1, 28, 16, 6, 2, 15, 5, 255};
const char* const kAnswers[] = {"192.0.2.1", "2001:db8::1", "healthy"};

bool no_control(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return -1;  // not worth adding to the corpus
  const std::uint8_t o0 = data[0], o1 = data[1];
  std::span<const std::uint8_t> reply(data + 2, size - 2);

  probes::Question question;
  question.qname = kNames[o0 & 7];
  question.qtype = kTypes[(o0 >> 3) & 7];
  if ((o0 & 0x40) && reply.size() >= 2) {
    question.id = static_cast<std::uint16_t>(reply[0] << 8 | reply[1]);
    if (o0 & 0x80) question.id ^= 0x0101;
  }
  probes::Expectation expect;
  expect.rcode = o1 & 0x0f;
  for (int i = 0; i < 3; ++i) {
    if (o1 & (0x10 << i)) expect.answers.emplace_back(kAnswers[i]);
  }
  const double rtt = 1.5;

  auto r = probes::classify_reply(reply, question, expect, rtt);

  FUZZ_REQUIRE(r.ok == (r.reason == probes::Reason::ok), "ok and reason disagree");
  FUZZ_REQUIRE(r.reason != probes::Reason::timeout && r.reason != probes::Reason::exit_status &&
                   r.reason != probes::Reason::connection_refused &&
                   r.reason != probes::Reason::network_error,
               "a received reply classified as a transport failure");
  FUZZ_REQUIRE(!r.ok || (r.rcode && *r.rcode == expect.rcode), "ok with another rcode");
  FUZZ_REQUIRE(!r.ok || reply.size() >= 12, "ok for a reply shorter than a header");
  FUZZ_REQUIRE(r.rtt_ms == rtt, "rtt not passed through");
  FUZZ_REQUIRE(!r.detail.empty(), "a verdict without detail");
  FUZZ_REQUIRE(no_control(r.detail), "control characters (a newline?) in detail");
  FUZZ_REQUIRE(r.answers.size() <= 64, "more answers kept than the bound");
  for (const auto& a : r.answers) FUZZ_REQUIRE(no_control(a), "control characters in an answer");
  try {
    nlohmann::json j{{"detail", r.detail}, {"answers", r.answers}};
    (void)j.dump(2);
  } catch (const nlohmann::json::exception& e) {
    std::fprintf(stderr, "dump failed: %s\n", e.what());
    FUZZ_REQUIRE(false, "detail or answers cannot be written to the status file");
  }
  return 0;
}
