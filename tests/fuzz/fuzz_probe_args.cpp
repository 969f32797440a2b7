// Any argv for `anycast-sidecar probe`: the parser must answer (arguments or a usage error, never
// both, never a throw), and what it accepts must be within the bounds the probe loop relies on.
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "sidecar/cli/probe_args.hpp"

namespace {

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // One argument per line (seed files are readable command lines); NUL cannot be in an argv.
  std::vector<std::string> argv;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty() && argv.size() < 64) {
    auto nl = rest.find('\n');
    auto arg = rest.substr(0, nl);
    if (arg.find('\0') == std::string_view::npos) argv.emplace_back(arg);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }

  auto r = sidecar::parse_probe_args(argv);
  FUZZ_REQUIRE(r.args.has_value() == r.error.empty(), "arguments and an error, or neither");
  if (!r.args || r.args->help) return 0;
  const auto& a = *r.args;
  if (a.config_path) {
    FUZZ_REQUIRE(a.check.expect.answers.empty(), "--expect-answer accepted with --config");
    return 0;
  }
  FUZZ_REQUIRE(!a.service, "--service accepted without --config");
  FUZZ_REQUIRE(is_ip(a.check.server), "a server that is not an IP literal");
  FUZZ_REQUIRE(a.check.port >= 1, "port 0 accepted");
  FUZZ_REQUIRE(!a.check.qname.empty() && a.check.qname.size() <= 254, "qname length");
  FUZZ_REQUIRE(a.count >= 1 && a.count <= 1000000, "--count out of range");
  FUZZ_REQUIRE(a.interval.count() >= 0 && a.interval.count() <= 3600000, "--interval-ms range");
  FUZZ_REQUIRE(a.check.timeout.count() >= 1 && a.check.timeout.count() <= 60000,
               "--timeout-ms range");
  FUZZ_REQUIRE(a.check.expect.answers.size() <= 64, "more than 64 --expect-answer");
  FUZZ_REQUIRE(a.check.expect.rcode >= 0 && a.check.expect.rcode <= 4095, "rcode range");
  return 0;
}
