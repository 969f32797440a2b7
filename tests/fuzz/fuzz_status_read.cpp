// The readers of files anyone may write: the maintenance file (any bytes -> a reason
// that is valid, printable UTF-8 and bounded) and the status file as `status` reads it (any
// bytes -> a verdict with an exit code of the contract, printable lines, a JSON answer that dumps;
// malformed input is UNKNOWN, never OK). The first input byte chooses `now` relative to the file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "fuzz_check.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/status/maintenance_file.hpp"
#include "sidecar/status/status_verdict.hpp"

namespace {

const std::string& maintenance_path() {
  // tmpfs when there is one: the reader is what is under test, not the disk.
  static const std::string path =
      std::string(::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/acs_fuzz_maint_" +
      std::to_string(::getpid());
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);

  // Maintenance file: written raw, read as the daemon reads it.
  { std::ofstream(maintenance_path(), std::ios::binary | std::ios::trunc) << bytes; }
  auto m = sidecar::read_maintenance(maintenance_path());
  FUZZ_REQUIRE(m.has_value(), "an existing maintenance file not seen");
  FUZZ_REQUIRE(!m->reason.empty(), "an empty reason");
  FUZZ_REQUIRE(text::valid_utf8(m->reason), "a reason that is not valid UTF-8");
  FUZZ_REQUIRE(m->reason.size() <= sidecar::kMaxReason + 3, "a reason over its bound");
  for (unsigned char c : m->reason) FUZZ_REQUIRE(c >= 0x20 && c != 0x7f, "a control in a reason");
  // What `maintenance on` writes reads back clean as well (one input in 8: the atomic write
  // syncs, and the reader is the hot path here).
  if (size && data[size - 1] % 8 == 0) {
    FUZZ_REQUIRE(!sidecar::write_maintenance(maintenance_path(), bytes), "write failed");
    auto again = sidecar::read_maintenance(maintenance_path());
    FUZZ_REQUIRE(again && text::valid_utf8(again->reason), "a written reason reads back invalid");
  }

  // Status file: parsed as `status` parses it, judged at a `now` chosen by the input.
  auto status = nlohmann::json::parse(bytes, nullptr, false);
  if (status.is_discarded()) return 0;  // `status` answers UNKNOWN before judging
  double now = 1.8e9 + (size ? data[0] : 0) * 1000.0;
  auto v = sidecar::judge_status(status, now, 5);
  FUZZ_REQUIRE(v.exit_code >= 0 && v.exit_code <= 3, "exit code outside the contract");
  FUZZ_REQUIRE(!v.lines.empty(), "a verdict without a line");
  if (!status.is_object() || !status.contains("services")) {
    FUZZ_REQUIRE(v.exit_code == 3, "a file that is not a status judged other than UNKNOWN");
  }
  for (const auto& l : v.lines) {
    FUZZ_REQUIRE(text::valid_utf8(l), "a verdict line is not valid UTF-8");
    for (unsigned char c : l) FUZZ_REQUIRE(c >= 0x20 && c != 0x7f, "a raw control in a line");
  }
  (void)v.json.dump();
  return 0;
}
