#pragma once
// Validates tool arguments against the subset of JSON Schema (draft 2020-12) that our tool
// definitions use: type (object, string, integer, number, boolean, array, null), properties,
// required, enum, string minLength/maxLength and format "date-time" (RFC 3339 §5.6) / "date",
// integer/number minimum/maximum, array items/maxItems, additionalProperties: false.
// Anything else in a schema is ignored. Never throws on bad data.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace parley::tools {

/// Nesting deeper than this is refused: tool arguments are flat; bounds recursion on hostile input.
constexpr int kMaxSchemaDepth = 16;

/// One problem: where (JSON Pointer-like path, "/start"; "" for the root) and why.
struct SchemaIssue {
  std::string path;
  std::string message;
};

/// Returns every problem found (empty = valid), in document order, at most `maxIssues`.
std::vector<SchemaIssue> validateJson(const nlohmann::json& schema, const nlohmann::json& value,
                                      size_t maxIssues = 10);

/// True for an RFC 3339 date-time ("2025-01-07T14:30:00-05:00", "…Z", fractional seconds ok).
bool isRfc3339DateTime(const std::string& s);

}  // namespace parley::tools
