#include "sidecar/fleet/verify_file.hpp"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "sidecar/lib/atomic_file.hpp"
#include "sidecar/lib/json_text.hpp"
#include "sidecar/lib/printable.hpp"
#include "sidecar/lib/regular_file.hpp"

namespace sidecar {

std::string verify_file_path(const Config& config) {
  // Beside the status file, as the maintenance files are by default.
  auto slash = config.status_file.rfind('/');
  auto folder = slash == std::string::npos ? std::string(".")
                : slash == 0               ? std::string("/")
                                           : config.status_file.substr(0, slash);
  return folder + (folder == "/" ? "" : "/") + "fleet-verify.json";
}

std::optional<fleet::VerifyRecord> read_verify_file(const std::string& path) {
  auto file = read_regular_file(path, 8192);
  if (!file.text) return std::nullopt;
  auto j = nlohmann::json::parse(*file.text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  auto text = [&](const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string()
               ? text::printable(it->get<std::string>(), fleet::kMaxTextBytes)
               : std::string();
  };
  fleet::VerifyRecord r;
  auto ok = j.find("ok");
  auto at = j.find("at_unix");
  if (ok == j.end() || !ok->is_boolean()) return std::nullopt;
  r.ok = ok->get<bool>();
  r.service = text("service");
  r.check = text("check");
  r.reason = text("reason");
  if (at != j.end() && at->is_number()) {
    double v = at->get<double>();
    if (v >= 0 && v <= fleet::kMaxUnixTime) r.at_unix = v;
  }
  return r;
}

std::optional<std::string> write_verify_file(const std::string& path,
                                             const fleet::VerifyRecord& r) {
  nlohmann::json j = {{"ok", r.ok},
                      {"service", r.service},
                      {"check", r.check},
                      {"reason", r.reason},
                      {"at_unix", r.at_unix}};
  valid_utf8_strings(j);
  return write_file_atomically(path, dump_json(j) + "\n");
}

void remove_verify_file(const std::string& path) {
  ::unlink(path.c_str());
}

}  // namespace sidecar
