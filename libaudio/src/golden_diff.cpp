#include "libaudio/golden_diff.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>

#include "libaudio/batch.hpp"
#include "libaudio/input_file.hpp"
#include "libaudio/tolerances.hpp"

namespace audio {
namespace {

namespace fs = std::filesystem;

const char* const kTolerancesName = "tolerances.json";

std::string lower_extension(const std::string& path) {
  std::string ext = fs::path(path).extension().string();
  if (!ext.empty()) ext.erase(0, 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext;
}

bool audio_extension(const std::string& ext) {
  // Video containers are not audio: comparing only their soundtrack would pass a broken
  // picture. They are compared as media (layout and packets).
  static const std::set<std::string> kAudio = {
      "wav", "wave", "w64", "rf64", "flac", "mp3", "mp2",  "ogg",  "oga", "opus",
      "spx", "m4a",  "m4b", "aac",  "adts", "aif", "aiff", "aifc", "wv",  "ape",
      "tta", "mka",  "caf", "au",   "snd",  "ac3", "eac3", "dts",  "wma", "amr"};
  return kAudio.count(ext) > 0;
}

bool media_extension(const std::string& ext) {
  static const std::set<std::string> kMedia = {"mp4",  "m4v", "mov", "mkv", "webm", "avi", "ts",
                                               "m2ts", "mts", "3gp", "flv", "mpg",  "mpeg"};
  return kMedia.count(ext) > 0;
}

bool media_magic(const std::string& head) {
  auto at = [&](std::size_t pos, const char* magic, std::size_t n) {
    return head.size() >= pos + n && head.compare(pos, n, magic, n) == 0;
  };
  return at(4, "ftyp", 4) || at(0, "\x1a\x45\xdf\xa3", 4);
}

bool audio_magic(const std::string& head) {
  auto at = [&](std::size_t pos, const char* magic) {
    const std::size_t n = std::strlen(magic);
    return head.size() >= pos + n && head.compare(pos, n, magic) == 0;
  };
  if (at(0, "RIFF") && at(8, "WAVE")) return true;
  if (at(0, "FORM") && (at(8, "AIFF") || at(8, "AIFC"))) return true;
  if (at(4, "ftyp") && (at(8, "M4A ") || at(8, "M4B "))) return true;
  for (const char* m : {"RF64", "fLaC", "OggS", "ID3", "wvpk", "MAC ", "caff", "TTA1"}) {
    if (at(0, m)) return true;
  }
  return false;
}

// Each side is read several times (bytes, then as JSON, audio or media), so it must be a
// directory or a regular file: never a pipe or a device that would hang the comparison.
bool is_directory(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return true;
  if (check_input(path) != InputKind::regular) {
    throw Error(Exit::no_input, path, "is a pipe; compare files that can be read twice");
  }
  return false;
}

// Every non-blank line is a JSON value, and there are at least two of them (a single line
// is a plain JSON document).
bool is_json_lines_text(const std::string& text) {
  std::size_t records = 0, start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (line.find_first_not_of(" \t\r") != std::string::npos) {
      if (!Json::accept(line)) return false;
      ++records;
    }
    start = end + 1;
  }
  return records >= 2;
}

// Throws Error(no_input) for a missing file, so a vanished input is reported as such.
std::string head_of(const std::string& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Exit::no_input, path, "cannot open: " + errno_text(errno));
  std::string head(n, '\0');
  in.read(head.data(), static_cast<std::streamsize>(n));
  head.resize(static_cast<std::size_t>(in.gcount()));
  return head;
}

Json options_json(const GoldenOptions& o) {
  Json j;
  j["abs_tol"] = o.abs_tol;
  j["rel_tol"] = o.rel_tol;
  j["strict_order"] = o.strict_order;
  j["min_snr_db"] = o.min_snr_db;
  j["max_mse"] = o.max_mse ? Json(*o.max_mse) : Json(nullptr);
  j["max_length_diff"] = o.max_length_diff;
  j["media_packets"] = o.media_packets;
  j["max_details"] = o.max_details;
  j["tolerances"] = o.tolerances_file.empty() ? Json(nullptr) : Json(o.tolerances_file);
  j["kind"] = o.kind ? Json(to_string(*o.kind)) : Json(nullptr);
  return j;
}

void compare_as_json(FileResult& r, const std::string& e_path, const std::string& a_path,
                     const JsonCompareOptions& jo, bool kind_forced) {
  if (r.kind == FileKind::json) {
    Json e;
    try {
      e = read_json_file(e_path);
    } catch (const Error& err) {
      // A .json file holding JSON Lines (a program's stdout saved under that name).
      if (err.code() != Exit::data || kind_forced || !is_json_lines_text(read_input_text(e_path))) {
        throw;
      }
      r.kind = FileKind::json_lines;
    }
    if (r.kind == FileKind::json) {
      r.json = compare_json(e, read_json_file(a_path), jo);
      return;
    }
  }
  r.json = compare_json_lines(e_path, a_path, jo);
}

FileResult compare_file(const std::string& e_path, const std::string& a_path,
                        const std::string& name, const ToleranceStack& stack,
                        const GoldenOptions& o) {
  FileResult r;
  r.name = name;
  try {
    const FileThresholds t = stack.file_thresholds();
    r.kind = o.kind ? *o.kind : sniff_kind(e_path);
    r.bytes = compare_bytes(e_path, a_path);
    if (r.bytes->identical()) {
      r.status = FileStatus::same;
      return r;
    }
    switch (*r.kind) {
      case FileKind::json:
      case FileKind::json_lines: {
        JsonCompareOptions jo;
        jo.abs_tol = t.abs_tol.value_or(o.abs_tol);
        jo.rel_tol = t.rel_tol.value_or(o.rel_tol);
        jo.strict_order = o.strict_order;
        jo.max_details = o.max_details;
        jo.rule = [&stack](const std::vector<std::string>& path) {
          return stack.field_rule(path).value_or(FieldRule{});
        };
        compare_as_json(r, e_path, a_path, jo, o.kind.has_value());
        r.status = !r.json->equal()      ? FileStatus::regression
                   : r.json->identical() ? FileStatus::same
                                         : FileStatus::within_tolerance;
        break;
      }
      case FileKind::audio: {
        AudioCompareOptions ao;
        ao.min_snr_db = t.min_snr.value_or(o.min_snr_db);
        ao.max_mse = t.max_mse ? t.max_mse : o.max_mse;
        ao.max_length_diff = t.max_length_diff.value_or(o.max_length_diff);
        r.audio = compare_audio(e_path, a_path, ao);
        r.status = r.audio->regression()  ? FileStatus::regression
                   : r.audio->identical() ? FileStatus::same
                                          : FileStatus::within_tolerance;
        break;
      }
      case FileKind::media:
        r.media_packets = t.packets.value_or(o.media_packets);
        r.media = compare_media(e_path, a_path, r.media_packets);
        r.status = r.media->regression() ? FileStatus::regression
                   : r.media_packets     ? FileStatus::same
                                         : FileStatus::within_tolerance;
        break;
      case FileKind::bytes:
        r.status = FileStatus::regression;
        break;
    }
  } catch (const std::exception& ex) {
    const Error e = as_error(ex, name);
    r.status = FileStatus::error;
    r.error_code = e.code();
    r.error = e.subject().empty() ? e.what() : e.subject() + ": " + e.what();
  }
  return r;
}

// Regular files under `root` (following file symlinks, not directory symlinks), as sorted
// relative paths; the tolerances.json files are left out.
std::set<std::string> walk(const std::string& root, std::set<std::string>* tolerance_dirs) {
  std::set<std::string> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::error_code fec;
    if (!fs::is_regular_file(p, fec)) continue;
    const std::string rel = p.lexically_relative(root).generic_string();
    if (p.filename() == kTolerancesName) {
      if (tolerance_dirs)
        tolerance_dirs->insert(p.parent_path().lexically_relative(root).generic_string());
      continue;
    }
    files.insert(rel);
  }
  if (ec) throw Error(Exit::no_input, root, "cannot read the directory: " + ec.message());
  return files;
}

std::string join(const std::string& dir, const std::string& rel) {
  return (fs::path(dir) / rel).string();
}

GoldenReport compare_directories(const std::string& expected, const std::string& actual,
                                 const GoldenOptions& o, const Tolerances* cli_tolerances) {
  std::set<std::string> tolerance_dirs;
  const std::set<std::string> efiles = walk(expected, &tolerance_dirs);
  const std::set<std::string> afiles = walk(actual, nullptr);
  std::map<std::string, Tolerances> loaded;  // by directory relative to EXPECTED ("." = root)
  for (const std::string& dir : tolerance_dirs) {
    loaded.emplace(dir, Tolerances::load(join(join(expected, dir), kTolerancesName)));
  }

  struct Job {
    std::string rel;
    bool in_expected, in_actual;
    ToleranceStack stack;
  };
  std::vector<Job> jobs;
  std::set<std::string> all = efiles;
  all.insert(afiles.begin(), afiles.end());
  for (const std::string& rel : all) {
    Job job{rel, efiles.count(rel) > 0, afiles.count(rel) > 0, {}};
    job.stack.push(cli_tolerances, rel);
    // From the file's own directory up to the root: the nearest tolerances.json first.
    fs::path dir = fs::path(rel).parent_path();
    for (;;) {
      const std::string key = dir.empty() ? "." : dir.generic_string();
      if (auto f = loaded.find(key); f != loaded.end()) {
        job.stack.push(&f->second,
                       dir.empty() ? rel : fs::path(rel).lexically_relative(dir).generic_string());
      }
      if (dir.empty()) break;
      dir = dir.parent_path();
    }
    jobs.push_back(std::move(job));
  }

  GoldenReport report;
  std::function<FileResult(std::size_t)> work = [&](std::size_t i) {
    const Job& job = jobs[i];
    FileResult r;
    r.name = job.rel;
    if (job.stack.file_thresholds().ignore.value_or(false)) {
      r.status = FileStatus::ignored;
    } else if (!job.in_actual || !job.in_expected) {
      r.status = FileStatus::regression;
      r.presence = job.in_actual ? "extra" : "missing";
    } else {
      r = compare_file(join(expected, job.rel), join(actual, job.rel), job.rel, job.stack, o);
    }
    return r;
  };
  std::function<void(std::size_t, FileResult&)> emit = [&](std::size_t, FileResult& r) {
    report.files.push_back(std::move(r));
    if (o.on_file) o.on_file(report.files.size(), jobs.size());
  };
  parallel_ordered<FileResult>(jobs.size(), o.jobs, work, emit);
  return report;
}

}  // namespace

FileKind sniff_kind(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext == "json") return FileKind::json;
  if (ext == "jsonl" || ext == "ndjson") return FileKind::json_lines;
  if (audio_extension(ext)) return FileKind::audio;
  if (media_extension(ext)) return FileKind::media;
  const std::string head = head_of(path, 64);
  if (audio_magic(head)) return FileKind::audio;
  if (media_magic(head)) return FileKind::media;
  const auto first = head.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (head[first] == '{' || head[first] == '[')) {
    const std::string text = read_input_text(path);
    if (Json::accept(text)) return FileKind::json;
    if (is_json_lines_text(text)) return FileKind::json_lines;
  }
  return FileKind::bytes;
}

FileKind parse_file_kind(const std::string& text) {
  if (text == "json") return FileKind::json;
  if (text == "jsonl" || text == "json_lines") return FileKind::json_lines;
  if (text == "audio") return FileKind::audio;
  if (text == "media") return FileKind::media;
  if (text == "bytes") return FileKind::bytes;
  throw Error(Exit::usage, "--as",
              "'" + text + "' is not a kind (json, jsonl, audio, media, bytes)");
}

GoldenReport golden_diff(const std::string& expected, const std::string& actual,
                         const GoldenOptions& options) {
  const bool edir = is_directory(expected), adir = is_directory(actual);
  if (edir != adir) {
    throw Error(Exit::usage, edir ? actual : expected,
                "is not a directory, but " + (edir ? expected : actual) +
                    " is: compare two files or two directories");
  }
  std::optional<Tolerances> cli_tolerances;
  if (!options.tolerances_file.empty()) {
    cli_tolerances = Tolerances::load(options.tolerances_file);
  }
  const Tolerances* cli = cli_tolerances ? &*cli_tolerances : nullptr;

  GoldenReport report;
  if (edir) {
    report = compare_directories(expected, actual, options, cli);
  } else {
    ToleranceStack stack;
    const std::string name = fs::path(expected).filename().string();
    stack.push(cli, name);
    FileResult r;
    if (stack.file_thresholds().ignore.value_or(false)) {
      r.name = actual;
      r.status = FileStatus::ignored;
    } else {
      r = compare_file(expected, actual, actual, stack, options);
    }
    report.files.push_back(std::move(r));
  }
  report.expected = expected;
  report.actual = actual;
  report.directory = edir;
  report.options = options_json(options);
  return report;
}

}  // namespace audio
