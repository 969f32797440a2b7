#include "sidecar/config_fallback.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sidecar {

std::string fallback_status_file(std::string_view text, const std::string& fallback) {
  auto root = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false,
                                    /*ignore_comments=*/true);
  if (!root.is_object()) return fallback;
  auto it = root.find("status_file");
  if (it == root.end() || !it->is_string()) return fallback;
  const auto& path = it->get_ref<const std::string&>();
  bool printable = std::all_of(path.begin(), path.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  });
  if (path.size() < 2 || path.size() > 4096 || path.front() != '/' || path.back() == '/' ||
      !printable) {
    return fallback;
  }
  return path;
}

}  // namespace sidecar
