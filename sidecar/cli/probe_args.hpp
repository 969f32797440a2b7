#pragma once
// The probe command's arguments, parsed purely (no I/O) so the parser can be fuzzed.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "probes/check.hpp"

namespace sidecar {

struct ProbeArgs {
  bool help = false;
  bool json = false;
  // Config mode: probe --config FILE [--service NAME]
  std::optional<std::string> config_path;
  std::optional<std::string> service;
  // Ad-hoc mode: probe @SERVER[:PORT] NAME [TYPE]
  probes::DnsCheck check;
  int count = 1;
  std::chrono::milliseconds interval{1000};
};

struct ProbeArgsResult {
  std::optional<ProbeArgs> args;
  std::string error;  // usage error (exit 3)
};

ProbeArgsResult parse_probe_args(const std::vector<std::string>& args);

}  // namespace sidecar
