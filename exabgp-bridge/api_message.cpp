#include "exabgp-bridge/api_message.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace bridge {
namespace {

constexpr std::size_t kExcerpt = 80;

std::string excerpt(std::string_view line) {
  std::string out;
  for (unsigned char c : line.substr(0, kExcerpt)) {
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  if (line.size() > kExcerpt) out += "...";
  return out;
}

// ExaBGP names peers by address; anything else is not a neighbor we could show or act on.
bool looks_like_address(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;  // INET6_ADDRSTRLEN - 1
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '.' ||
           c == ':';
  });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

const nlohmann::json* member(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string string_member(const nlohmann::json& j, const char* key) {
  auto* m = member(j, key);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}

// ExaBGP 4.2 builds its JSON by hand and, in a down `reason` (which holds what the peer's
// NOTIFICATION said), escapes the double quotes and nothing else: a backslash there makes the
// line invalid JSON and the neighbor's down would be lost. Undo exactly that: a backslash not
// followed by '"' is a literal one. Applied only to state messages that failed to parse, and the
// result must still be valid JSON (a truncated line stays unknown).
std::string repair_42_reason(std::string_view line) {
  std::string out;
  out.reserve(line.size() + 16);
  for (std::size_t i = 0; i < line.size(); ++i) {
    out.push_back(line[i]);
    if (line[i] == '\\' && (i + 1 == line.size() || line[i + 1] != '"')) out.push_back('\\');
  }
  return out;
}

ApiMessage parse_json(std::string_view line) {
  ApiMessage msg;
  // allow_exceptions=false: garbage (or invalid UTF-8 inside strings) yields a discarded value.
  auto j = nlohmann::json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded() && line.find(R"("type": "state")") != std::string_view::npos) {
    auto repaired = repair_42_reason(line);
    j = nlohmann::json::parse(repaired.begin(), repaired.end(), nullptr, false);
  }
  if (j.is_discarded() || !j.is_object()) {
    msg.kind = ApiMessage::Kind::unknown;
    msg.text = excerpt(line);
    return msg;
  }
  auto type = string_member(j, "type");
  if (type == "notification" && string_member(j, "notification") == "shutdown") {
    msg.kind = ApiMessage::Kind::shutdown;
    return msg;
  }
  if (type == "state") {
    const auto* neighbor = member(j, "neighbor");
    const auto* address = neighbor ? member(*neighbor, "address") : nullptr;
    std::string peer = address ? string_member(*address, "peer") : std::string();
    std::string state = neighbor ? string_member(*neighbor, "state") : std::string();
    if (looks_like_address(peer) && !state.empty() && state.size() <= 32) {
      msg.kind = ApiMessage::Kind::neighbor_state;
      msg.peer = excerpt(peer);
      msg.state = excerpt(state);
      return msg;
    }
  }
  msg.kind = ApiMessage::Kind::other_json;
  msg.text = excerpt(type);
  return msg;
}

}  // namespace

ApiMessage parse_api_line(std::string_view raw) {
  ApiMessage msg;
  auto line = trim(raw);
  if (line.empty()) {
    msg.kind = ApiMessage::Kind::blank;
    return msg;
  }
  if (line == "done") {
    msg.kind = ApiMessage::Kind::ack_done;
    return msg;
  }
  if (line == "error") {
    msg.kind = ApiMessage::Kind::ack_error;
    return msg;
  }
  // The text encoder writes "shutdown <pid> <ppid>" (4.2.21); older releases a bare "shutdown".
  if (line == "shutdown" || line.substr(0, 9) == "shutdown ") {
    msg.kind = ApiMessage::Kind::shutdown;
    return msg;
  }
  if (line.front() == '{') return parse_json(line);
  // The answer to "version": "exabgp 4.2.21".
  if (line.size() <= 64 && line.substr(0, 7) == "exabgp " && line.size() > 7 && line[7] >= '0' &&
      line[7] <= '9') {
    msg.kind = ApiMessage::Kind::version;
    msg.text = excerpt(line);
    return msg;
  }
  // The text encoder's neighbor changes: "neighbor 127.0.0.2 up" / "... down - reason".
  if (line.substr(0, 9) == "neighbor ") {
    auto rest = line.substr(9);
    auto sp = rest.find(' ');
    if (sp != std::string_view::npos && looks_like_address(rest.substr(0, sp))) {
      auto peer = rest.substr(0, sp);
      auto tail = rest.substr(sp + 1);
      for (std::string_view state : {"up", "down", "connected"}) {
        if (tail == state || tail.substr(0, state.size() + 1) == std::string(state) + " ") {
          msg.kind = ApiMessage::Kind::neighbor_state;
          msg.peer = excerpt(peer);
          msg.state = std::string(state);
          return msg;
        }
      }
    }
  }
  msg.kind = ApiMessage::Kind::unknown;
  msg.text = excerpt(line);
  return msg;
}

std::string exabgp_version_number(std::string_view answer) {
  answer = trim(answer);
  constexpr std::string_view prefix = "exabgp ";
  if (answer.substr(0, prefix.size()) != prefix) return {};
  auto number = answer.substr(prefix.size());
  if (number.empty() || number.size() > 32 || number.front() < '0' || number.front() > '9') {
    return {};
  }
  if (!std::all_of(number.begin(), number.end(),
                   [](char c) { return (c >= '0' && c <= '9') || c == '.'; })) {
    return {};
  }
  return std::string(number);
}

void LineSplitter::reserve_for(std::size_t more) {
  // std::string doubles its capacity; cap the growth so the buffer never exceeds max_line_.
  auto need = partial_.size() + more;
  if (need > partial_.capacity())
    partial_.reserve(std::min(max_line_, std::max(need, 2 * partial_.capacity())));
}

void LineSplitter::feed(std::string_view data,
                        const std::function<void(std::string_view)>& on_line) {
  while (!data.empty()) {
    auto nl = data.find('\n');
    if (nl == std::string_view::npos) {
      // No end of line yet: keep at most max_line_ bytes, then give up on this line.
      if (discarding_) return;
      if (partial_.size() + data.size() > max_line_) {
        partial_.clear();
        partial_.shrink_to_fit();
        discarding_ = true;
        ++discarded_;
        return;
      }
      reserve_for(data.size());
      partial_.append(data);
      return;
    }
    auto piece = data.substr(0, nl);
    data.remove_prefix(nl + 1);
    if (discarding_) {  // the rest of an over-long line ends here
      discarding_ = false;
      continue;
    }
    if (partial_.size() + piece.size() > max_line_) {
      partial_.clear();
      partial_.shrink_to_fit();
      ++discarded_;
      continue;
    }
    ++lines_;
    if (partial_.empty()) {
      if (!piece.empty() && piece.back() == '\r') piece.remove_suffix(1);
      on_line(piece);
    } else {
      reserve_for(piece.size());
      partial_.append(piece);
      std::string_view whole = partial_;
      if (!whole.empty() && whole.back() == '\r') whole.remove_suffix(1);
      on_line(whole);
      partial_.clear();
      if (partial_.capacity() > 4 * 1024) partial_.shrink_to_fit();
    }
  }
}

}  // namespace bridge
