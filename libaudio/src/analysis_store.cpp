#include "libaudio/analysis_store.hpp"

#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "libaudio/atomic_file.hpp"
#include "libaudio/sha256.hpp"

namespace audio {
namespace {

bool is_hex_sha256(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

void make_directories(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(Exit::cant_create, dir, "cannot create the store: " + ec.message());
}

}  // namespace

std::string options_digest(const Json& options) {
  Sha256 sha;
  const std::string text = options.dump();
  sha.update(text.data(), text.size());
  return sha.hex_digest().substr(0, 16);
}

AnalysisStore::AnalysisStore(const std::string& dir) : root_(dir + "/analysis") {
  make_directories(root_);
  if (access(root_.c_str(), W_OK) != 0) {
    throw Error(Exit::cant_create, dir, "store is not writable");
  }
}

std::string AnalysisStore::entry_path(const std::string& sha256, const Json& options) const {
  if (!is_hex_sha256(sha256)) throw Error(Exit::software, sha256, "not a SHA-256 key");
  return root_ + "/" + sha256.substr(0, 2) + "/" + sha256.substr(2) + "-v" +
         std::to_string(kAnalysisVersion) + "-" + options_digest(options) + ".json";
}

std::optional<Json> AnalysisStore::load(const std::string& sha256, const Json& options) const {
  std::ifstream in(entry_path(sha256, options), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  Json doc = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  // An entry torn by a power loss or edited by hand is a miss, never a wrong answer.
  // Comparisons only (a Json compared with a value never throws), so a field of the wrong
  // type is a miss too.
  const auto field = [](const Json& obj, const char* key) {
    const auto it = obj.find(key);
    return it == obj.end() ? Json() : *it;
  };
  if (!doc.is_object() || field(doc, "schema") != kAnalysisSchema ||
      field(doc, "analysis_version") != kAnalysisVersion || !doc.contains("input") ||
      !doc["input"].is_object() || field(doc["input"], "sha256") != sha256 ||
      field(doc, "options") != options) {
    return std::nullopt;
  }
  return doc;
}

void AnalysisStore::save(const Json& doc) const {
  const std::string target =
      entry_path(doc.at("input").at("sha256").get<std::string>(), doc.at("options"));
  make_directories(std::filesystem::path(target).parent_path().string());
  write_json_line_file(target, doc);  // atomic: a reader never sees half an entry
}

AnalysisOutcome analyze_with_store(const std::string& path, const AnalysisOptions& options,
                                   const AnalysisStore* store, bool refresh) {
  AnalysisOutcome r;
  try {
    const AnalysisInput input(path);
    const Json wanted = analysis_options_json(options);
    if (store && !refresh) {
      if (auto doc = store->load(input.sha256(), wanted)) {
        (*doc)["input"]["path"] = path;  // the same content may live under another name
        r.doc = std::move(*doc);
        r.from_store = true;
        return r;
      }
    }
    r.doc = analyze_input(input, options);
    if (store) store->save(r.doc);
  } catch (const std::exception& ex) {
    const Error e = as_error(ex, path);
    const bool other = !e.subject().empty() && e.subject() != path;
    r.error.emplace(e.code(), path, (other ? e.subject() + ": " : std::string()) + e.what());
  }
  return r;
}

}  // namespace audio
