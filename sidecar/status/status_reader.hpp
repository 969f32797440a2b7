#pragma once
// The one reader of the status file, for everyone who reads it back: `status`, `maintenance
// --wait`, and the daemon at start (the previous instance's routes). Anyone who can write the
// file controls its bytes, so reading is bounded before anything else happens:
//   - size: at most kMaxStatusFileBytes, refused beyond (never loaded);
//   - depth: the nesting is counted on the raw text before parsing and refused past
//     kMaxStatusDepth, so no recursive walk (copy, dump, destructor) ever meets a deep value;
//   - shape: schema 1 and every field a reader uses of the type the daemon writes
//     (deploy/schema/status.schema.json); anything else is not ours to judge.
// Pure: text in, a document or a reason out. The typed accessors never throw: a missing key or
// a value of another type is nullopt / nullptr.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "sidecar/lib/json_text.hpp"
#include "sidecar/lib/limits.hpp"

namespace sidecar {

// The daemon writes 4 levels (services[].checks[] objects); 32 leaves room for added detail.
inline constexpr std::size_t kMaxStatusDepth = 32;

struct StatusDocument {
  nlohmann::json doc;  // the parsed file when error is empty, else null
  std::string error;   // why it is not a status file this program reads, for a person
  bool ok() const { return error.empty(); }
};

// Parses and checks: size, depth, valid JSON, a JSON object (no schema check: see below).
StatusDocument parse_status_text(std::string_view text);
// The same from a file, read without blocking (a FIFO or a folder is refused).
StatusDocument read_status_file(const std::string& path);

// "" when `doc` has the shape of schema 1 for every field a reader uses; otherwise the first
// problem, naming the field ("schema is 99, not 1", "services[0].routes[1].prefix is not a
// string").
std::string schema_problem(const nlohmann::json& doc);

// Typed accessors over an object (any other `j` gives nothing).
const nlohmann::json* member(const nlohmann::json& j, const char* key);
std::optional<std::string> string_at(const nlohmann::json& j, const char* key);
std::optional<double> number_at(const nlohmann::json& j, const char* key);
std::optional<bool> bool_at(const nlohmann::json& j, const char* key);
const nlohmann::json* array_at(const nlohmann::json& j, const char* key);   // an array or null
const nlohmann::json* object_at(const nlohmann::json& j, const char* key);  // an object or null

}  // namespace sidecar
