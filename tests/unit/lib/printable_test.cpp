// The one sanitizer for untrusted text: valid UTF-8 out for any bytes in, cut on a boundary.
#include <catch2/catch.hpp>

#include <random>

#include "sidecar/lib/printable.hpp"

using text::printable;
using text::to_utf8;
using text::valid_utf8;

TEST_CASE("valid_utf8 accepts well-formed text and refuses every malformed class") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("plain ascii"));
  CHECK(valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));  // é € 😀
  CHECK_FALSE(valid_utf8("caf\xe9"));                              // Latin-1 é
  CHECK_FALSE(valid_utf8("\xc3"));                                 // cut mid-character
  CHECK_FALSE(valid_utf8("\x80"));                                 // stray continuation
  CHECK_FALSE(valid_utf8("\xc0\xaf"));                             // overlong '/'
  CHECK_FALSE(valid_utf8("\xe0\x80\xaf"));                         // overlong, 3 bytes
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));                         // surrogate U+D800
  CHECK_FALSE(valid_utf8("\xf4\x90\x80\x80"));                     // above U+10FFFF
  CHECK_FALSE(valid_utf8("\xf8\x88\x80\x80\x80"));                 // 5-byte form
  CHECK_FALSE(valid_utf8("\xff\xfe"));
}

TEST_CASE("to_utf8 replaces each bad byte and never cuts inside a character") {
  CHECK(to_utf8("caf\xe9") == "caf\xef\xbf\xbd");
  CHECK(to_utf8("\xc3") == "\xef\xbf\xbd");
  CHECK(to_utf8("ok\tkept") == "ok\tkept");  // JSON escapes controls; only printable() maps them
  // 601 bytes of "é" cut by a 512-byte limit: 256 whole characters, never half of one.
  std::string accents;
  while (accents.size() < 601) accents += "\xc3\xa9";
  auto cut = to_utf8(accents, 511);
  CHECK(cut.size() == 510);
  CHECK(valid_utf8(cut));
  // A byte cut that already happened (the old 512-byte substr) is repaired, not propagated.
  CHECK(valid_utf8(to_utf8(accents.substr(0, 511))));
}

TEST_CASE("printable maps controls, marks cuts, and stays valid UTF-8") {
  CHECK(printable("a\nb\x1b[31mc\x7f", 100) == "a?b?[31mc?");
  CHECK(printable("\xc2\x85next-line", 100) == "?next-line");  // C1 control U+0085
  CHECK(printable("abcdef", 3) == "abc...");
  CHECK(printable("\xc3\xa9\xc3\xa9", 3) == "\xc3\xa9...");
  CHECK(printable("", 0).empty());
}

TEST_CASE("any bytes in: valid UTF-8 out, within the bound (random inputs)") {
  std::mt19937 rng(12);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 40, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    auto max = rng() % 50;
    auto u = to_utf8(s, max);
    auto p = printable(s, max);
    REQUIRE(valid_utf8(u));
    REQUIRE(valid_utf8(p));
    REQUIRE(u.size() <= max);
    REQUIRE(p.size() <= max + 3);
    for (unsigned char c : p) REQUIRE((c >= 0x20 && c != 0x7f));
    if (valid_utf8(s) && s.size() <= max) REQUIRE(u == s);
  }
}
