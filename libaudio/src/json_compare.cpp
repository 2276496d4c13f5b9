#include "libaudio/json_compare.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string_view>
#include <unordered_map>

#include "libaudio/error.hpp"
#include "libaudio/input_file.hpp"

namespace audio {
namespace {

enum class Type { null, boolean, number, string, array, object, other };

Type type_of(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null:
      return Type::null;
    case Json::value_t::boolean:
      return Type::boolean;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return Type::number;
    case Json::value_t::string:
      return Type::string;
    case Json::value_t::array:
      return Type::array;
    case Json::value_t::object:
      return Type::object;
    default:
      return Type::other;
  }
}

const char* type_name(Type t) {
  switch (t) {
    case Type::null:
      return "null";
    case Type::boolean:
      return "boolean";
    case Type::number:
      return "number";
    case Type::string:
      return "string";
    case Type::array:
      return "array";
    case Type::object:
      return "object";
    default:
      return "value";
  }
}

// A value as it appears in a one-line report, shortened so a large subtree stays readable.
std::string brief(const Json& j) {
  std::string s = j.dump();
  constexpr std::size_t kMax = 60;
  if (s.size() > kMax) s = s.substr(0, kMax - 3) + "...";
  return s;
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// A copy of `j` for a report, cut off below kMaxCopyDepth levels: nlohmann copies and dumps
// recursively, so a hostile document 50,000 levels deep would overflow the stack there.
constexpr int kMaxCopyDepth = 32;

Json bounded_copy(const Json& j, int depth = 0) {
  if (!j.is_structured()) return j;
  if (depth >= kMaxCopyDepth) return j.is_array() ? Json("[...]") : Json("{...}");
  Json out = j.is_array() ? Json::array() : Json::object();
  if (j.is_array()) {
    for (const Json& v : j) out.push_back(bounded_copy(v, depth + 1));
  } else {
    for (auto it = j.begin(); it != j.end(); ++it)
      out[it.key()] = bounded_copy(it.value(), depth + 1);
  }
  return out;
}

// Walks both documents depth first with an explicit stack of tasks rather than recursion, so
// nesting depth costs heap, never stack. Differences come out in document order.
class Comparer {
 public:
  Comparer(const JsonCompareOptions& options, JsonComparison& result) : o_(options), r_(result) {}

  void set_line(long line) { line_ = line; }

  void compare(const Json& e, const Json& a) {
    tasks_.push_back({Task::compare, &e, &a, {}, false});
    while (!tasks_.empty()) {
      Task t = std::move(tasks_.back());
      tasks_.pop_back();
      run(t);
    }
  }

  void add(JsonDifference::Kind kind, const Json& e, const Json& a, double diff = NAN,
           double tolerance = NAN) {
    ++r_.differences;
    if (r_.details.size() >= o_.max_details) return;
    JsonDifference d;
    d.kind = kind;
    d.line = line_;
    d.path = json_pointer(path_);
    d.expected = bounded_copy(e);
    d.actual = bounded_copy(a);
    d.diff = diff;
    d.tolerance = tolerance;
    r_.details.push_back(std::move(d));
  }

 private:
  // compare: e against a (entering `key` first when has_key); missing: e's member `key` is
  // absent from actual; object_tail: actual's extra keys and the key order of e against a;
  // leave: the path steps back out of a key.
  struct Task {
    enum Op { compare, missing, object_tail, leave } op;
    const Json* e;
    const Json* a;
    std::string key;
    bool has_key;
  };

  FieldRule rule_here() const { return o_.rule ? o_.rule(path_) : FieldRule{}; }

  void run(Task& t) {
    switch (t.op) {
      case Task::leave:
        path_.pop_back();
        return;
      case Task::missing:
        path_.push_back(std::move(t.key));
        if (rule_here().kind == FieldRule::Kind::ignore) {
          ++r_.ignored;
        } else {
          add(JsonDifference::Kind::missing, *t.e, nullptr);
        }
        path_.pop_back();
        return;
      case Task::object_tail:
        object_tail(*t.e, *t.a);
        return;
      case Task::compare:
        if (t.has_key) {
          path_.push_back(std::move(t.key));
          tasks_.push_back({Task::leave, nullptr, nullptr, {}, false});
        }
        compare_values(*t.e, *t.a);
        return;
    }
  }

  void compare_values(const Json& e, const Json& a) {
    const FieldRule rule = rule_here();
    if (rule.kind == FieldRule::Kind::ignore) {
      ++r_.ignored;
      return;
    }
    const Type te = type_of(e), ta = type_of(a);
    if (te != ta) {
      add(JsonDifference::Kind::type, e, a);
      return;
    }
    switch (te) {
      case Type::number:
        compare_numbers(e, a, rule);
        break;
      case Type::array:
        compare_arrays(e, a);
        break;
      case Type::object:
        compare_objects(e, a);
        break;
      default:
        if (e != a) add(JsonDifference::Kind::value, e, a);
    }
  }

  void compare_numbers(const Json& e, const Json& a, const FieldRule& rule) {
    if (e == a) return;  // also 1 == 1.0, and integers beyond double precision
    const double de = e.get<double>(), da = a.get<double>();
    const double diff = std::fabs(da - de);
    const double abs_tol = rule.kind == FieldRule::Kind::tolerance ? rule.tolerance : o_.abs_tol;
    const double allowed = std::max(abs_tol, o_.rel_tol * std::fabs(de));
    if (diff <= allowed) {
      ++r_.numbers_within;
      if (diff > r_.max_within_diff || r_.max_within_path.empty()) {
        r_.max_within_diff = diff;
        r_.max_within_path = json_pointer(path_);
        r_.max_within_line = line_;
      }
      return;
    }
    add(JsonDifference::Kind::value, e, a, diff, allowed);
  }

  // Tasks go on the stack last-first, so the elements are compared first-first.
  void compare_arrays(const Json& e, const Json& a) {
    if (e.size() != a.size()) add(JsonDifference::Kind::length, e.size(), a.size());
    const std::size_t n = std::min(e.size(), a.size());
    for (std::size_t i = n; i-- > 0;) {
      tasks_.push_back({Task::compare, &e[i], &a[i], std::to_string(i), true});
    }
  }

  // ordered_json looks keys up linearly; larger objects are indexed once.
  class KeyIndex {
   public:
    explicit KeyIndex(const Json& obj) : obj_(obj) {
      if (obj.size() > 16) {
        for (auto it = obj.begin(); it != obj.end(); ++it) map_.emplace(it.key(), &it.value());
      }
    }
    const Json* find(const std::string& key) const {
      if (!map_.empty()) {
        auto f = map_.find(key);
        return f == map_.end() ? nullptr : f->second;
      }
      auto f = obj_.find(key);
      return f == obj_.end() ? nullptr : &*f;
    }

   private:
    const Json& obj_;
    std::unordered_map<std::string_view, const Json*> map_;
  };

  // Expected's members in order (each compared or reported missing), then the tail.
  void compare_objects(const Json& e, const Json& a) {
    tasks_.push_back({Task::object_tail, &e, &a, {}, false});
    const KeyIndex actual_keys(a);
    std::vector<Task> members;
    for (auto it = e.begin(); it != e.end(); ++it) {
      if (const Json* av = actual_keys.find(it.key())) {
        members.push_back({Task::compare, &it.value(), av, it.key(), true});
      } else {
        members.push_back({Task::missing, &it.value(), nullptr, it.key(), false});
      }
    }
    for (auto m = members.rbegin(); m != members.rend(); ++m) tasks_.push_back(std::move(*m));
  }

  void object_tail(const Json& e, const Json& a) {
    const KeyIndex expected_keys(e), actual_keys(a);
    std::vector<std::string> common_expected, common_actual;
    if (o_.strict_order) {
      for (auto it = e.begin(); it != e.end(); ++it) {
        if (!actual_keys.find(it.key())) continue;
        path_.push_back(it.key());
        if (rule_here().kind != FieldRule::Kind::ignore) common_expected.push_back(it.key());
        path_.pop_back();
      }
    }
    for (auto it = a.begin(); it != a.end(); ++it) {
      const bool in_expected = expected_keys.find(it.key()) != nullptr;
      path_.push_back(it.key());
      const bool ignored = rule_here().kind == FieldRule::Kind::ignore;
      if (in_expected) {
        if (o_.strict_order && !ignored) common_actual.push_back(it.key());
      } else if (ignored) {
        ++r_.ignored;
      } else {
        add(JsonDifference::Kind::extra, nullptr, it.value());
      }
      path_.pop_back();
    }
    if (o_.strict_order && common_expected != common_actual) {
      add(JsonDifference::Kind::order, Json(common_expected), Json(common_actual));
    }
  }

  const JsonCompareOptions& o_;
  JsonComparison& r_;
  long line_ = 0;
  std::vector<std::string> path_;
  std::vector<Task> tasks_;
};

bool blank(const std::string& line) {
  return line.find_first_not_of(" \t\r") == std::string::npos;
}

// Reads the next non-blank line; false at the end of the file.
bool next_record(std::ifstream& in, const std::string& path, std::string& line, long& number) {
  while (std::getline(in, line)) {
    ++number;
    if (!blank(line)) return true;
  }
  if (in.bad()) throw Error(Exit::io, path, "read error: " + errno_text(errno));
  return false;
}

Json parse_record(const std::string& line, const std::string& path, long number) {
  try {
    return Json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw Error(Exit::data, path,
                "line " + std::to_string(number) + ": " + json_error(e, path).what());
  }
}

std::ifstream open_input(const std::string& path) {
  if (check_input(path) != InputKind::regular) {
    throw Error(Exit::no_input, path, "is a pipe; JSON Lines are compared from files");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Exit::no_input, path, "cannot open: " + errno_text(errno));
  return in;
}

}  // namespace

const char* to_string(JsonDifference::Kind kind) {
  switch (kind) {
    case JsonDifference::Kind::missing:
      return "missing";
    case JsonDifference::Kind::extra:
      return "extra";
    case JsonDifference::Kind::type:
      return "type";
    case JsonDifference::Kind::value:
      return "value";
    case JsonDifference::Kind::length:
      return "length";
    case JsonDifference::Kind::order:
      return "order";
    case JsonDifference::Kind::lines:
      return "lines";
  }
  return "value";
}

std::string JsonDifference::describe() const {
  std::string s;
  if (line > 0) s += "line " + std::to_string(line) + ": ";
  if (kind != Kind::lines) s += (path.empty() ? std::string("(root)") : path) + ": ";
  switch (kind) {
    case Kind::missing:
      s += "missing (expected " + brief(expected) + ")";
      break;
    case Kind::extra:
      s += "extra (actual " + brief(actual) + ")";
      break;
    case Kind::type:
      s += std::string("type changed: expected ") + type_name(type_of(expected)) + " " +
           brief(expected) + ", actual " + type_name(type_of(actual)) + " " + brief(actual);
      break;
    case Kind::value:
      s += "expected " + brief(expected) + ", actual " + brief(actual);
      if (!std::isnan(diff)) {
        s += " (|diff| " + number_text(diff) + " > tolerance " + number_text(tolerance) + ")";
      }
      break;
    case Kind::length:
      s += "array length: expected " + brief(expected) + ", actual " + brief(actual);
      break;
    case Kind::order:
      s += "key order: expected " + brief(expected) + ", actual " + brief(actual);
      break;
    case Kind::lines:
      s += "line count: expected " + brief(expected) + ", actual " + brief(actual);
      break;
  }
  return s;
}

JsonComparison compare_json(const Json& expected, const Json& actual,
                            const JsonCompareOptions& options) {
  JsonComparison result;
  Comparer c(options, result);
  c.compare(expected, actual);
  return result;
}

JsonComparison compare_json_lines(const std::string& expected_path, const std::string& actual_path,
                                  const JsonCompareOptions& options) {
  std::ifstream ein = open_input(expected_path), ain = open_input(actual_path);
  JsonComparison result;
  Comparer c(options, result);
  std::string eline, aline;
  long eno = 0, ano = 0;
  std::size_t ecount = 0, acount = 0;
  bool emore = next_record(ein, expected_path, eline, eno);
  bool amore = next_record(ain, actual_path, aline, ano);
  while (emore && amore) {
    const Json e = parse_record(eline, expected_path, eno);
    const Json a = parse_record(aline, actual_path, ano);
    ++ecount;
    ++acount;
    c.set_line(eno);
    c.compare(e, a);
    emore = next_record(ein, expected_path, eline, eno);
    amore = next_record(ain, actual_path, aline, ano);
  }
  // The rest of the longer file is still validated, so a corrupt tail is an error, not
  // just a count.
  for (; emore; emore = next_record(ein, expected_path, eline, eno), ++ecount) {
    parse_record(eline, expected_path, eno);
  }
  for (; amore; amore = next_record(ain, actual_path, aline, ano), ++acount) {
    parse_record(aline, actual_path, ano);
  }
  result.lines = std::min(ecount, acount);
  if (ecount != acount) {
    c.set_line(0);
    c.add(JsonDifference::Kind::lines, ecount, acount);
  }
  return result;
}

std::string json_pointer(const std::vector<std::string>& segments) {
  std::string p;
  for (const std::string& s : segments) {
    p += '/';
    for (char ch : s) {
      if (ch == '~') {
        p += "~0";
      } else if (ch == '/') {
        p += "~1";
      } else {
        p += ch;
      }
    }
  }
  return p;
}

std::vector<std::string> split_json_pointer(const std::string& pointer) {
  std::vector<std::string> out;
  if (pointer.empty()) return out;
  if (pointer[0] != '/') throw Error(Exit::data, pointer, "a JSON pointer starts with '/'");
  std::string cur;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      out.push_back(cur);
      cur.clear();
    } else if (pointer[i] == '~' && i + 1 < pointer.size() &&
               (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
      cur += pointer[i + 1] == '0' ? '~' : '/';
      ++i;
    } else {
      cur += pointer[i];
    }
  }
  return out;
}

}  // namespace audio
