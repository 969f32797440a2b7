#include "sidecar/cli/cli_util.hpp"

#include <cstdio>

#include "sidecar/config/config.hpp"
#include "sidecar/lib/printable.hpp"

namespace sidecar {

ParsedArgs parse_args(const std::vector<std::string>& args, const std::set<std::string>& with_value,
                      const std::set<std::string>& flags) {
  ParsedArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      auto eq = a.find('=');
      std::string name = a.substr(0, eq);
      if (with_value.count(name)) {
        if (eq != std::string::npos) {
          out.values[name].push_back(a.substr(eq + 1));
        } else if (i + 1 < args.size()) {
          out.values[name].push_back(args[++i]);
        } else {
          out.error = name + " needs a value";
          return out;
        }
      } else if (flags.count(name) && eq == std::string::npos) {
        out.flags.insert(name);
      } else {
        out.error = "unknown option " + text::printable(name, 64);
        return out;
      }
    } else if (a == "-h") {
      out.flags.insert("--help");
    } else {
      out.positional.push_back(a);
    }
  }
  return out;
}

std::string shown(std::string_view text) {
  return text::printable(text, 300);
}

int usage_error(const std::string& command, const std::string& message, const char* usage) {
  // The message may quote an argument: any bytes an operator typed, shown as one printable line.
  std::fprintf(stderr, "anycast-sidecar %s: %s\n%s", command.c_str(),
               text::printable(message, 2000).c_str(), usage);
  return 3;
}

std::string config_path_of(const ParsedArgs& args) {
  return args.value("--config").value_or(kDefaultConfigPath);
}

bool is_sidecar_run(std::string_view cmdline) {
  auto end = cmdline.find('\0');
  if (end == std::string_view::npos) return false;
  auto program = cmdline.substr(0, end);
  auto slash = program.rfind('/');
  if (slash != std::string_view::npos) program = program.substr(slash + 1);
  auto rest = cmdline.substr(end + 1);
  return program == "anycast-sidecar" && rest.substr(0, rest.find('\0')) == "run";
}

}  // namespace sidecar
