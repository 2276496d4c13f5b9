#include "libaudio/tolerances.hpp"

#include <algorithm>
#include <cmath>

#include "libaudio/error.hpp"

namespace audio {
namespace {

// Iterative glob with backtracking to the last '*'. With `slash_stops`, neither '*' nor '?'
// match '/', so a file pattern stays within one path component.
bool glob(const std::string& p, const std::string& t, bool slash_stops) {
  std::size_t pi = 0, ti = 0, star = std::string::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() &&
               (p[pi] == t[ti] || (p[pi] == '?' && !(slash_stops && t[ti] == '/')))) {
      ++pi;
      ++ti;
    } else if (star != std::string::npos && !(slash_stops && t[mark] == '/')) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

int count_wildcards(const std::string& s) {
  return static_cast<int>(
      std::count_if(s.begin(), s.end(), [](char c) { return c == '*' || c == '?'; }));
}

double non_negative(const Json& v, const std::string& source, const std::string& key) {
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0) {
    throw Error(Exit::data, source, "\"" + key + "\": expected a number >= 0");
  }
  return v.get<double>();
}

FileThresholds parse_thresholds(const Json& v, const std::string& source, const std::string& key) {
  FileThresholds t;
  if (v.is_string() && v.get<std::string>() == "ignore") {
    t.ignore = true;
    return t;
  }
  if (!v.is_object()) {
    throw Error(Exit::data, source,
                "\"" + key + "\": a file pattern takes \"ignore\" or an object of thresholds");
  }
  t.ignore = false;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& name = it.key();
    const std::string where = key + "." + name;
    if (name == "abs_tol") {
      t.abs_tol = non_negative(it.value(), source, where);
    } else if (name == "rel_tol") {
      t.rel_tol = non_negative(it.value(), source, where);
    } else if (name == "max_mse") {
      t.max_mse = non_negative(it.value(), source, where);
    } else if (name == "min_snr") {
      if (!it.value().is_number() || std::isnan(it.value().get<double>())) {
        throw Error(Exit::data, source, "\"" + where + "\": expected a number (dB)");
      }
      t.min_snr = it.value().get<double>();
    } else if (name == "max_length_diff") {
      if (!it.value().is_number_integer() || it.value().get<std::int64_t>() < 0) {
        throw Error(Exit::data, source,
                    "\"" + where + "\": expected a whole number of frames >= 0");
      }
      t.max_length_diff = it.value().get<std::int64_t>();
    } else if (name == "packets") {
      if (!it.value().is_boolean()) {
        throw Error(Exit::data, source, "\"" + where + "\": expected true or false");
      }
      t.packets = it.value().get<bool>();
    } else {
      throw Error(Exit::data, source,
                  "\"" + key + "\": unknown threshold \"" + name +
                      "\" (abs_tol, rel_tol, min_snr, max_mse, max_length_diff, packets)");
    }
  }
  return t;
}

template <typename T>
void fill(std::optional<T>& into, const std::optional<T>& from) {
  if (!into && from) into = from;
}

void merge(FileThresholds& into, const FileThresholds& from) {
  fill(into.ignore, from.ignore);
  fill(into.abs_tol, from.abs_tol);
  fill(into.rel_tol, from.rel_tol);
  fill(into.min_snr, from.min_snr);
  fill(into.max_mse, from.max_mse);
  fill(into.max_length_diff, from.max_length_diff);
  fill(into.packets, from.packets);
}

}  // namespace

bool glob_match(const std::string& pattern, const std::string& text) {
  return glob(pattern, text, true);
}

bool file_pattern_match(const std::string& pattern, const std::string& relative_path) {
  if (pattern.find('/') != std::string::npos) return glob_match(pattern, relative_path);
  const auto slash = relative_path.rfind('/');
  return glob_match(pattern,
                    slash == std::string::npos ? relative_path : relative_path.substr(slash + 1));
}

Tolerances Tolerances::parse(const Json& doc, const std::string& source) {
  if (!doc.is_object()) {
    throw Error(Exit::data, source, "a tolerances file is a JSON object of pattern: tolerance");
  }
  Tolerances t;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const std::string& key = it.key();
    const Json& v = it.value();
    const auto hash = key.find("#/");
    if (key.empty() || hash == 0) throw Error(Exit::data, source, "empty pattern");
    if (key[0] == '/' || hash != std::string::npos) {
      PointerRule r;
      std::string pointer = key;
      if (key[0] != '/') {
        r.file_glob = key.substr(0, hash);
        pointer = key.substr(hash + 1);
      }
      r.segments = split_json_pointer(pointer);
      for (const std::string& s : r.segments) r.wildcards += count_wildcards(s);
      if (v.is_string() && v.get<std::string>() == "ignore") {
        r.rule.kind = FieldRule::Kind::ignore;
      } else if (v.is_number()) {
        r.rule.kind = FieldRule::Kind::tolerance;
        r.rule.tolerance = non_negative(v, source, key);
      } else {
        throw Error(Exit::data, source,
                    "\"" + key + "\": expected a tolerance (a number >= 0) or \"ignore\"");
      }
      t.pointers_.push_back(std::move(r));
    } else {
      FileRule r;
      r.glob = key;
      r.thresholds = parse_thresholds(v, source, key);
      r.wildcards = count_wildcards(key);
      t.files_.push_back(std::move(r));
    }
  }
  return t;
}

Tolerances Tolerances::load(const std::string& path) {
  return parse(read_json_file(path), path);
}

std::optional<FieldRule> Tolerances::field_rule(const std::string& file,
                                                const std::vector<std::string>& path) const {
  const PointerRule* best = nullptr;
  auto better = [](const PointerRule& a, const PointerRule& b) {
    if (a.segments.size() != b.segments.size()) return a.segments.size() > b.segments.size();
    if (a.file_glob.empty() != b.file_glob.empty()) return !a.file_glob.empty();
    return a.wildcards < b.wildcards;
  };
  for (const PointerRule& r : pointers_) {
    if (r.segments.size() > path.size()) continue;
    bool match = true;
    for (std::size_t i = 0; match && i < r.segments.size(); ++i) {
      match = glob(r.segments[i], path[i], false);
    }
    if (!match || (!r.file_glob.empty() && !file_pattern_match(r.file_glob, file))) continue;
    if (!best || better(r, *best)) best = &r;
  }
  if (!best) return std::nullopt;
  return best->rule;
}

FileThresholds Tolerances::file_thresholds(const std::string& file) const {
  std::vector<const FileRule*> matching;
  for (const FileRule& r : files_) {
    if (file_pattern_match(r.glob, file)) matching.push_back(&r);
  }
  std::stable_sort(matching.begin(), matching.end(), [](const FileRule* a, const FileRule* b) {
    return a->wildcards < b->wildcards;
  });
  FileThresholds t;
  if (!matching.empty()) t.ignore = matching.front()->thresholds.ignore;
  for (const FileRule* r : matching) merge(t, r->thresholds);
  return t;
}

void ToleranceStack::push(const Tolerances* tolerances, std::string file) {
  if (tolerances && !tolerances->empty()) layers_.emplace_back(tolerances, std::move(file));
}

std::optional<FieldRule> ToleranceStack::field_rule(const std::vector<std::string>& path) const {
  for (const auto& [tolerances, file] : layers_) {
    if (auto r = tolerances->field_rule(file, path)) return r;
  }
  return std::nullopt;
}

FileThresholds ToleranceStack::file_thresholds() const {
  FileThresholds t;
  for (const auto& [tolerances, file] : layers_) merge(t, tolerances->file_thresholds(file));
  return t;
}

}  // namespace audio
