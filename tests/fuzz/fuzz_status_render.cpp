// Arbitrary views -> status file and metrics text. Every string of the snapshot is
// taken from the input (any bytes: Latin-1, cut sequences, controls), every number too. The
// renderers must never throw, the status text must be valid UTF-8 and parse back as JSON with
// the contract's keys, the metrics text must be valid UTF-8; and `status` must judge what the
// daemon wrote without throwing, with an exit code of the contract and printable lines.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/status/status_model.hpp"
#include "sidecar/status/status_verdict.hpp"

namespace {

// Consumes the input as a stream of small fields.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : p_(data), end_(data + size) {}
  std::uint8_t byte() { return p_ < end_ ? *p_++ : 0; }
  std::string text() {
    std::size_t n = byte() % 48;
    std::string s;
    while (n-- && p_ < end_) s.push_back(static_cast<char>(*p_++));
    return s;
  }
  double number() {
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = bits << 8 | byte();
    switch (bits % 4) {
      case 0:
        return static_cast<double>(bits % 4000000000ULL);
      case 1:
        return -static_cast<double>(bits >> 8);
      case 2:
        return 1e300 * static_cast<double>(bits % 3);
      default:
        return static_cast<double>(bits) / 7.0;
    }
  }
  bool more() const { return p_ < end_; }

 private:
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

sidecar::StatusSnapshot snapshot_from(Input& in) {
  sidecar::StatusSnapshot s;
  s.version = in.text();
  s.pid = in.byte() << 8 | in.byte();
  s.started_unix = in.number();
  s.updated_unix = in.number();
  s.seq = in.byte();
  s.exabgp.state = static_cast<bridge::LinkState>(in.byte() % 3);
  s.exabgp.detail = in.text();
  if (in.byte() & 1) s.exabgp.last_ack_unix = in.number();
  for (int n = in.byte() % 4; n > 0; --n)
    s.exabgp.neighbors.push_back({in.text(), in.text(), in.number()});
  if (in.byte() & 1) {
    std::vector<std::string> lines;
    for (int n = in.byte() % 4; n > 0; --n) lines.push_back(in.text());
    s.config_error = lines;
  }
  for (int n = in.byte() % 3; n > 0 && in.more(); --n) {
    sidecar::ServiceView v;
    v.name = in.text();
    v.state = static_cast<sidecar::ServiceState>(in.byte() % 6);
    v.since_unix = in.number();
    v.policy = in.text();
    v.rise = in.byte();
    v.fall = in.byte();
    if (in.byte() & 1)
      v.maintenance = sidecar::MaintenanceView{in.text(), in.number(), std::nullopt};
    for (int c = in.byte() % 3; c > 0; --c) {
      sidecar::CheckView ch;
      ch.name = in.text();
      ch.type = in.byte() & 1 ? "dns" : "exec";
      ch.server = in.text();
      ch.port = in.byte();
      ch.qname = in.text();
      ch.qtype = in.text();
      ch.transport = in.text();
      ch.command = {in.text(), in.text()};
      if (in.byte() & 1) {
        probes::CheckResult r;
        r.ok = in.byte() & 1;
        r.reason = probes::kAllReasons[in.byte() % sidecar::kReasonCount];
        r.detail = in.text();
        r.rtt_ms = in.number();
        r.answers = {in.text()};
        if (in.byte() & 1) r.rcode = in.byte() % 24;
        ch.last = r;
      }
      ch.at_unix = in.number();
      v.checks.push_back(ch);
    }
    for (int t = in.byte() % 3; t > 0; --t) {
      v.transitions.push_back({in.number(), static_cast<sidecar::ServiceState>(in.byte() % 6),
                               static_cast<sidecar::ServiceState>(in.byte() % 6), in.text()});
    }
    for (int r = in.byte() % 3; r > 0; --r) {
      v.routes.push_back({in.text(),
                          in.text(),
                          static_cast<sidecar::Desired>(in.byte() % 4),
                          static_cast<bool>(in.byte() & 1),
                          static_cast<bool>(in.byte() & 1),
                          in.text(),
                          {in.text()}});
    }
    s.services.push_back(v);
  }
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  auto s = snapshot_from(in);
  std::string text;
  try {
    text = sidecar::render_status(s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "render_status threw: %s\n", e.what());
    FUZZ_REQUIRE(false, "the status file renderer threw on text");
  }
  FUZZ_REQUIRE(text::valid_utf8(text), "status file text is not valid UTF-8");
  auto back = nlohmann::json::parse(text, nullptr, false);
  FUZZ_REQUIRE(!back.is_discarded(), "status file does not parse back");
  FUZZ_REQUIRE(back.contains("services") && back["services"].size() == s.services.size(),
               "services lost in the status file");
  FUZZ_REQUIRE(back.contains("config_error") == s.config_error.has_value(),
               "config_error lost or invented");
  auto metrics = sidecar::metrics_text(s);
  FUZZ_REQUIRE(text::valid_utf8(metrics), "metrics text is not valid UTF-8");
  auto v = sidecar::judge_status(back, s.updated_unix, 5);
  FUZZ_REQUIRE(v.exit_code() >= 0 && v.exit_code() <= 3, "exit code outside the contract");
  FUZZ_REQUIRE(!v.lines.empty(), "a verdict without a line");
  for (const auto& l : v.lines) {
    FUZZ_REQUIRE(text::valid_utf8(l), "a verdict line is not valid UTF-8");
    for (unsigned char c : l) FUZZ_REQUIRE(c >= 0x20 && c != 0x7f, "a raw control in a line");
  }
  (void)v.json.dump();  // throws (and fails) on invalid UTF-8
  return 0;
}
