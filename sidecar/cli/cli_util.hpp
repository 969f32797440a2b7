#pragma once
// Option parsing shared by the operator commands: "--name VALUE" / "--name=VALUE" / flags.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sidecar/config/config.hpp"

namespace sidecar {

struct ParsedArgs {
  std::map<std::string, std::vector<std::string>> values;  // option -> values (repeatable)
  std::set<std::string> flags;
  std::vector<std::string> positional;
  std::string error;  // set on a usage error

  bool has(const std::string& flag) const { return flags.count(flag) > 0; }
  std::optional<std::string> value(const std::string& option) const {
    auto it = values.find(option);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second.back();
  }
};

// with_value: options that take a value; flags: options that do not. Anything else starting with
// "--" is a usage error naming it.
ParsedArgs parse_args(const std::vector<std::string>& args, const std::set<std::string>& with_value,
                      const std::set<std::string>& flags);

// Text an operator typed or a file holds, for the terminal: text::printable (controls become
// '?', at most 300 bytes). Every CLI line that shows such text goes through it.
std::string shown(std::string_view text);

// The --config value, or the packaged path (kDefaultConfigPath) when it is not given.
std::string config_path_of(const ParsedArgs& args);

// True when /proc/PID/cmdline (NUL-separated) is `anycast-sidecar run ...`: a pid read from a
// status file may since have been reused by another process, which must never be signalled.
bool is_sidecar_run(std::string_view cmdline);

// Prints "anycast-sidecar CMD: MESSAGE" and the usage on stderr; returns 3 (UNKNOWN).
int usage_error(const std::string& command, const std::string& message, const char* usage);

}  // namespace sidecar
