// wf-hash: SHA-256 of files (identical to sha256sum), a content hash that survives
// re-tagging and re-muxing, an acoustic fingerprint, and duplicate detection against a
// content-addressed store. One JSON line per file (schema wf.hash/1); see wf-hash(1).
#include <sys/stat.h>

#include <unistd.h>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "libaudio/atomic_file.hpp"
#include "libaudio/batch.hpp"
#include "libaudio/cli.hpp"
#include "libaudio/content_hash.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/fingerprint.hpp"
#include "libaudio/hash_store.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/progress.hpp"
#include "libaudio/sha256.hpp"
#include "libaudio/version.hpp"

namespace {

using audio::Error;
using audio::Exit;
using audio::Json;

struct Options {
  bool content = false;
  bool fingerprint = false;
  double threshold = audio::kDefaultThreshold;
  std::string store;
  long long max_size = 0;
};

struct Result {
  std::optional<Error> error;
  Json doc;
  audio::StoreRecord record;
  std::optional<audio::Fingerprint> fp;
};

// stdin and other non-regular inputs (pipes) can be read only once, but a file is read
// several times (probe, hash, decode): copy it to a temporary file while hashing it.
class Spool {
 public:
  Spool(const std::string& path, long long max_size) {
    const char* tmp = std::getenv("TMPDIR");
    file_.emplace(std::string(tmp && *tmp ? tmp : "/tmp") + "/wf-hash-input");
    std::FILE* in = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (!in) throw Error(Exit::no_input, path, "cannot open: " + audio::errno_text(errno));
    std::vector<char> buf(1 << 20);
    audio::Sha256 sha;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), in)) > 0) {
      bytes_ += n;
      if (static_cast<long long>(bytes_) > max_size) {
        if (in != stdin) std::fclose(in);
        throw Error(
            Exit::data, path,
            "input is over the size limit of " + std::to_string(max_size) + " bytes (--max-size)");
      }
      sha.update(buf.data(), n);
      if (::write(file_->fd(), buf.data(), n) != static_cast<ssize_t>(n)) {
        if (in != stdin) std::fclose(in);
        throw Error(Exit::io, path, "cannot spool the input: " + audio::errno_text(errno));
      }
    }
    const bool failed = std::ferror(in);
    if (in != stdin) std::fclose(in);
    if (failed) throw Error(Exit::io, path, "read error");
    if (bytes_ == 0) throw Error(Exit::data, path, "empty input");
    sha256_ = sha.hex_digest();
  }
  const std::string& path() const { return file_->temp_path(); }
  std::uint64_t bytes() const { return bytes_; }
  const std::string& sha256() const { return sha256_; }

 private:
  std::optional<audio::AtomicFile> file_;  // removed on destruction and on signals
  std::uint64_t bytes_ = 0;
  std::string sha256_;
};

Json audio_record(const audio::AudioInfo& info) {
  Json a;
  a["container"] = info.container;
  a["codec"] = info.codec;
  a["lossless"] = info.lossless;
  a["sample_rate"] = info.sample_rate;
  a["channels"] = info.channels;
  a["duration"] = info.duration >= 0 ? Json(audio::round_seconds(info.duration)) : Json(nullptr);
  return a;
}

Result hash_one(const std::string& path, const Options& opt) {
  Result r;
  try {
    struct stat st {};
    bool exists = path != "-" && stat(path.c_str(), &st) == 0;
    std::optional<Spool> spool;
    std::string source = path;  // what the libraries read
    // stdin redirected from a regular file at its start: read that file directly, by a
    // path that reopens it, instead of copying it.
    if (path == "-" && fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode) &&
        lseek(STDIN_FILENO, 0, SEEK_CUR) == 0) {
      source = "/dev/stdin";
      exists = true;
    }
    if (source == "-" || (exists && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))) {
      spool.emplace(path, opt.max_size);
      source = spool->path();
    } else if (exists && S_ISREG(st.st_mode) && st.st_size > opt.max_size) {
      throw Error(Exit::data, path,
                  "file is " + std::to_string(st.st_size) + " bytes, over the size limit of " +
                      std::to_string(opt.max_size) + " (--max-size)");
    }
    const audio::AudioInfo info = audio::probe_audio(source);  // not audio: Error(data)
    audio::FileDigest digest;
    if (spool) {
      digest.sha256 = spool->sha256();
      digest.bytes = spool->bytes();
    } else {
      digest = audio::sha256_file(source);
      if (static_cast<long long>(digest.bytes) > opt.max_size) {
        throw Error(Exit::data, path, "file grew over the size limit (--max-size)");
      }
    }
    Json& d = r.doc;
    d["schema"] = "wf.hash/1";
    d["toolkit"] = audio::kToolkitVersion;
    d["path"] = path;
    d["bytes"] = digest.bytes;
    d["sha256"] = digest.sha256;
    d["audio"] = audio_record(info);
    r.record.path = path;
    r.record.bytes = digest.bytes;
    r.record.sha256 = digest.sha256;
    if (opt.content) {
      const audio::ContentHash c = audio::content_hash(source);
      d["content_sha256"] = c.sha256;
      d["content_rule"] = c.rule;
      r.record.content_sha256 = c.sha256;
      r.record.content_rule = c.rule;
    }
    if (opt.fingerprint) {
      r.fp = audio::fingerprint_file(source);
      if (r.fp->usable()) {
        r.record.fingerprint = r.fp->encoded();
        d["fingerprint"] = r.record.fingerprint;
      } else {
        d["fingerprint"] = nullptr;  // too short to say anything
      }
    }
  } catch (const Error& e) {
    // Report against the name the user gave, not a spool file.
    r.error.emplace(e.code(), path, e.what());
  } catch (const std::bad_alloc&) {
    r.error.emplace(Exit::software, path, "out of memory");
  } catch (const std::exception& e) {
    r.error.emplace(Exit::software, path, std::string("internal error: ") + e.what());
  }
  return r;
}

std::string store_path(const std::string& path) {
  if (path == "-") return path;
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

}  // namespace

int main(int argc, char** argv) {
  audio::cli::Tool tool("wf-hash",
                        "SHA-256, content hash, acoustic fingerprint and duplicate detection "
                        "for audio files; one JSON line per file");
  CLI::App& app = tool.app();
  Options opt;
  std::vector<std::string> files;
  std::string max_size_text = "100M";
  bool fail_on_duplicate = false;
  int jobs = 0;
  app.add_option("files", files, "Audio files (none or - reads stdin)");
  app.add_flag("--content", opt.content,
               "Add content_sha256: a hash of the audio that ignores tags and container");
  CLI::Option* fp_flag = app.add_flag("--fingerprint", opt.fingerprint,
                                      "Add a Chromaprint fingerprint and find near-duplicates");
  app.add_option("--threshold", opt.threshold,
                 "Similarity (0-1) at which fingerprints are the same recording")
      ->check(CLI::Range(0.0, 1.0))
      ->needs(fp_flag);
  app.add_option("--store", opt.store,
                 "Content-addressed store directory shared across runs (created if missing)");
  app.add_flag("--fail-on-duplicate", fail_on_duplicate, "Exit 1 if any file is a duplicate");
  app.add_option("--max-size", max_size_text, "Largest file accepted (e.g. 100M, 2G)");
  app.add_option("-j,--jobs", jobs, "Files hashed in parallel (0 = all cores)")
      ->check(CLI::Range(0, 1024));
  tool.add_progress_flag();

  return tool.run(argc, argv, [&]() -> Exit {
    opt.max_size = audio::cli::parse_size(max_size_text, "--max-size");
    if (opt.max_size <= 0) throw Error(Exit::usage, "--max-size", "must be above 0");
    if (files.empty()) files.push_back("-");
    audio::HashStore store = opt.store.empty() ? audio::HashStore::in_memory()
                                               : audio::HashStore::open_directory(opt.store);

    audio::cli::BatchStatus status;
    bool any_duplicate = false;
    audio::Progress progress(tool.progress_enabled(), "wf-hash", static_cast<double>(files.size()));
    std::size_t done = 0;
    audio::parallel_ordered<Result>(
        files.size(), jobs, [&](std::size_t i) { return hash_one(files[i], opt); },
        [&](std::size_t i, Result& r) {
          progress.update(static_cast<double>(++done));
          if (r.error) {
            tool.error(*r.error);
            status.fail(r.error->code());
            return;
          }
          try {
            // Claims run here, on one thread in input order, so results are deterministic.
            if (!opt.store.empty()) r.record.path = store_path(files[i]);
            auto dup = store.claim(r.record, r.fp ? &*r.fp : nullptr, opt.threshold);
            if (dup) {
              any_duplicate = true;
              r.doc["duplicate_of"] = {{"path", dup->original.path},
                                       {"sha256", dup->original.sha256},
                                       {"match", audio::match_name(dup->match)},
                                       {"similarity", audio::round_to(dup->similarity, 4)}};
            } else {
              r.doc["duplicate_of"] = nullptr;
            }
          } catch (const Error& e) {
            tool.error(files[i], (e.subject().empty() ? "" : e.subject() + ": ") + e.what());
            status.fail(e.code());
            return;
          }
          audio::write_json_line(std::cout, r.doc);
        });
    progress.finish();
    if (status.failed()) return status.code();
    return fail_on_duplicate && any_duplicate ? Exit::negative : Exit::ok;
  });
}
