// Checks of a valid configuration against this machine: what the text cannot say but `run` would
// trip on (a status folder that does not exist, an exec check naming a folder).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "sidecar/config/config.hpp"
#include "sidecar/config/config_sections.hpp"
#include "sidecar/lib/printable.hpp"

namespace sidecar {
namespace {

std::string quote(const std::string& s) {
  return "\"" + text::printable(s, 200) + "\"";
}

void folder_exists(const std::string& file, const std::string& field,
                   std::vector<std::string>* out) {
  auto folder = config_detail::folder_of(file);
  struct stat st {};
  if (::stat(folder.c_str(), &st) != 0) {
    out->push_back(field + ": the folder " + quote(folder) +
                   " does not exist (create it, owned by the user ExaBGP runs the sidecar as)");
  } else if (!S_ISDIR(st.st_mode)) {
    out->push_back(field + ": " + quote(folder) + " is not a folder");
  } else if (::lstat(file.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
    // The daemon replaces the file by rename, which fails on a folder: it would run blind, and a
    // FIFO there would hang every reader that does not open it non-blocking.
    out->push_back(field + ": " + quote(file) + " is " +
                   (S_ISDIR(st.st_mode) ? "a folder" : "not a regular file") +
                   ": name a file (a path inside that folder, for example)");
  }
}

// Empty when argv[0] names an executable regular file (directly, or found in PATH).
std::string program_problem(const std::string& program) {
  auto usable = [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (program.find('/') != std::string::npos) {
    struct stat st {};
    if (::stat(program.c_str(), &st) != 0) return quote(program) + " does not exist";
    if (S_ISDIR(st.st_mode)) return quote(program) + " is a folder, not a program";
    if (!S_ISREG(st.st_mode)) return quote(program) + " is not a regular file";
    if (::access(program.c_str(), X_OK) != 0) {
      return quote(program) + " is not executable (chmod +x, or name the interpreter first)";
    }
    return {};
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    auto end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    auto dir = dirs.substr(start, end - start);
    if (usable((dir.empty() ? "." : dir) + "/" + program)) return {};
    start = end + 1;
  }
  return quote(program) + " is not an executable found in PATH (give its full path)";
}

void program(const std::vector<std::string>& argv, const std::string& field,
             std::vector<std::string>* out) {
  if (argv.empty()) return;
  if (auto p = program_problem(argv[0]); !p.empty()) out->push_back(field + "[0]: " + p);
}

}  // namespace

std::vector<std::string> host_problems(const Config& config) {
  std::vector<std::string> out;
  folder_exists(config.status_file, "status_file", &out);
  if (!config.metrics_file.empty()) folder_exists(config.metrics_file, "metrics_file", &out);
  for (std::size_t i = 0; i < config.services.size(); ++i) {
    const auto& s = config.services[i];
    auto path = "services[" + std::to_string(i) + "]";
    for (std::size_t j = 0; j < s.checks.size(); ++j) {
      if (s.checks[j].type != CheckConfig::Type::exec) continue;
      program(s.checks[j].exec.argv, path + ".checks[" + std::to_string(j) + "].command", &out);
    }
    program(s.hooks.on_up, path + ".hooks.on_up", &out);
    program(s.hooks.on_down, path + ".hooks.on_down", &out);
    program(s.hooks.on_disabled, path + ".hooks.on_disabled", &out);
    program(s.hooks.on_degraded, path + ".hooks.on_degraded", &out);
  }
  if (config.fleet) {
    const auto& f = *config.fleet;
    for (auto [file, field] : {std::pair{&f.ca_file, "fleet.ca_file"},
                               {&f.cert_file, "fleet.cert_file"},
                               {&f.key_file, "fleet.key_file"},
                               {&f.password_file, "fleet.password_file"}}) {
      if (!file->empty() && ::access(file->c_str(), R_OK) != 0) {
        out.push_back(std::string(field) + ": " + quote(*file) +
                      " is not a readable file (the sidecar reads it when it talks to etcd)");
      }
    }
  }
  return out;
}

}  // namespace sidecar
