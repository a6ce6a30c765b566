#include "tools/JsonSchemaValidator.hpp"

#include <regex>

namespace parley::tools {
namespace {

using nlohmann::json;

bool hasType(const json& v, const std::string& type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "null") return v.is_null();
  if (type == "number") return v.is_number();
  if (type == "integer")
    return v.is_number_integer() ||
           (v.is_number_float() &&
            v.get<double>() == static_cast<double>(static_cast<int64_t>(v.get<double>())));
  return true;  // unknown type names are not ours to reject
}

std::string describe(const json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_null()) return "null";
  if (v.is_number_integer()) return "an integer";
  return "a number";
}

bool isDate(const std::string& s) {
  static const std::regex re(R"(^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$)");
  return std::regex_match(s, re);
}

struct Walker {
  std::vector<SchemaIssue>& issues;
  size_t maxIssues;

  void add(const std::string& path, std::string msg) {
    if (issues.size() < maxIssues) issues.push_back({path, std::move(msg)});
  }

  void check(const json& schema, const json& v, const std::string& path, int depth) {
    if (issues.size() >= maxIssues || !schema.is_object()) return;
    if (depth > kMaxSchemaDepth) return add(path, "nested too deeply");
    if (auto t = schema.find("type"); t != schema.end()) {
      bool ok = false;
      std::string names;
      if (t->is_string()) {
        ok = hasType(v, t->get<std::string>());
        names = t->get<std::string>();
      } else if (t->is_array()) {
        for (const auto& one : *t)
          if (one.is_string()) {
            ok = ok || hasType(v, one.get<std::string>());
            names += (names.empty() ? "" : " or ") + one.get<std::string>();
          }
      } else
        ok = true;
      if (!ok) return add(path, "must be " + names + ", got " + describe(v));
    }
    if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
      bool found = false;
      for (const auto& one : *e) found = found || one == v;
      if (!found) {
        std::string all;
        for (const auto& one : *e) all += (all.empty() ? "" : ", ") + one.dump();
        return add(path, "must be one of " + all);
      }
    }
    if (v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      if (auto m = schema.find("minLength");
          m != schema.end() && m->is_number_integer() && s.size() < m->get<size_t>())
        add(path, "must be at least " + m->dump() + " characters");
      if (auto m = schema.find("maxLength");
          m != schema.end() && m->is_number_integer() && s.size() > m->get<size_t>())
        add(path, "must be at most " + m->dump() + " characters");
      if (auto f = schema.find("format"); f != schema.end() && f->is_string()) {
        if (*f == "date-time" && !isRfc3339DateTime(s))
          add(path, "must be an RFC 3339 date-time like 2025-01-07T14:30:00-05:00");
        if (*f == "date" && !isDate(s)) add(path, "must be a date like 2025-01-07");
      }
    }
    if (v.is_number()) {
      double d = v.get<double>();
      if (auto m = schema.find("minimum");
          m != schema.end() && m->is_number() && d < m->get<double>())
        add(path, "must be ≥ " + m->dump());
      if (auto m = schema.find("maximum");
          m != schema.end() && m->is_number() && d > m->get<double>())
        add(path, "must be ≤ " + m->dump());
    }
    if (v.is_array()) {
      if (auto m = schema.find("maxItems");
          m != schema.end() && m->is_number_integer() && v.size() > m->get<size_t>())
        add(path, "must have at most " + m->dump() + " items");
      if (auto items = schema.find("items"); items != schema.end())
        for (size_t i = 0; i < v.size(); ++i)
          check(*items, v[i], path + "/" + std::to_string(i), depth + 1);
    }
    if (v.is_object()) {
      const json* props = nullptr;
      if (auto p = schema.find("properties"); p != schema.end() && p->is_object()) props = &*p;
      if (auto r = schema.find("required"); r != schema.end() && r->is_array())
        for (const auto& name : *r)
          if (name.is_string() && !v.contains(name.get<std::string>()))
            add(path + "/" + name.get<std::string>(), "is required");
      bool closed = false;
      if (auto a = schema.find("additionalProperties"); a != schema.end() && a->is_boolean())
        closed = !a->get<bool>();
      for (const auto& [key, child] : v.items()) {
        if (props && props->contains(key))
          check((*props)[key], child, path + "/" + key, depth + 1);
        else if (closed)
          add(path + "/" + key, "is not a known parameter");
      }
    }
  }
};

}  // namespace

bool isRfc3339DateTime(const std::string& s) {
  static const std::regex re(
      R"(^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt ]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$)");
  constexpr size_t kMaxLen = 40;  // longer is not a date-time; bounds the regex
  return s.size() <= kMaxLen && std::regex_match(s, re);
}

std::vector<SchemaIssue> validateJson(const nlohmann::json& schema, const nlohmann::json& value,
                                      size_t maxIssues) {
  std::vector<SchemaIssue> issues;
  Walker{issues, maxIssues}.check(schema, value, "", 0);
  return issues;
}

}  // namespace parley::tools
