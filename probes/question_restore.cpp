#include "probes/question_restore.hpp"

#include <algorithm>

namespace probes {
namespace {

constexpr std::size_t kHeader = 12;

std::uint16_t u16(std::span<const std::uint8_t> p, std::size_t at) {
  return static_cast<std::uint16_t>(p[at] << 8 | p[at + 1]);
}

}  // namespace

void QuestionRestorer::on_query(std::span<const std::uint8_t> query) {
  if (query.size() <= kHeader || u16(query, 4) != 1) return;
  // The question runs to the first record after it; our queries carry nothing else, but an
  // additional section (EDNS) must not be copied: cut at the end of qname + type + class.
  std::size_t pos = kHeader;
  while (pos < query.size() && query[pos] != 0) {
    if ((query[pos] & 0xC0) != 0) return;  // a query's question is never compressed
    pos += 1 + query[pos];
  }
  pos += 1 + 4;
  if (pos > query.size()) return;
  std::uint16_t id = u16(query, 0);
  if (auto it = questions_.find(id); it != questions_.end()) erase(it);
  if (questions_.size() >= kMaxRemembered) erase(questions_.find(by_age_.begin()->second));
  auto seq = next_seq_++;
  by_age_.emplace(seq, id);
  questions_.emplace(id,
                     Entry{seq, {query.begin() + kHeader, query.begin() + static_cast<long>(pos)}});
}

void QuestionRestorer::erase(std::map<std::uint16_t, Entry>::iterator it) {
  by_age_.erase(it->second.seq);
  questions_.erase(it);
}

void QuestionRestorer::forget(std::uint16_t id) {
  if (auto it = questions_.find(id); it != questions_.end()) erase(it);
}

std::vector<std::uint8_t> QuestionRestorer::on_reply(std::span<const std::uint8_t> reply) {
  std::vector<std::uint8_t> out(reply.begin(), reply.end());
  if (reply.size() < kHeader || !(reply[2] & 0x80)) return out;
  auto it = questions_.find(u16(reply, 0));
  if (it == questions_.end()) return out;
  if (u16(reply, 4) == 0) {
    const auto& question = it->second.question;
    out.insert(out.begin() + kHeader, question.begin(), question.end());
    out[4] = 0;
    out[5] = 1;
  }
  erase(it);
  return out;
}

bool StreamFramer::append(std::span<const std::uint8_t> bytes) {
  if (buf_.size() + bytes.size() > kMaxBuffered) return false;
  buf_.insert(buf_.end(), bytes.begin(), bytes.end());
  return true;
}

std::optional<std::vector<std::uint8_t>> StreamFramer::next() {
  if (buf_.size() < 2) return std::nullopt;
  std::size_t len = static_cast<std::size_t>(buf_[0] << 8 | buf_[1]);
  if (buf_.size() < 2 + len) return std::nullopt;
  std::vector<std::uint8_t> msg(buf_.begin() + 2, buf_.begin() + 2 + static_cast<long>(len));
  buf_.erase(buf_.begin(), buf_.begin() + 2 + static_cast<long>(len));
  return msg;
}

}  // namespace probes
