#include "libaudio/file_hasher.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "libaudio/atomic_file.hpp"
#include "libaudio/content_hash.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/sha256.hpp"
#include "libaudio/version.hpp"

namespace audio {
namespace {

// stdin and other non-regular inputs (pipes) can be read only once, but a file is read
// several times (probe, hash, decode): copy it to a temporary file while hashing it.
class Spool {
 public:
  Spool(const std::string& path, long long max_size) {
    const char* tmp = std::getenv("TMPDIR");
    file_.emplace(std::string(tmp && *tmp ? tmp : "/tmp") + "/wf-hash-input");
    std::FILE* in = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
    if (!in) throw Error(Exit::no_input, path, "cannot open: " + errno_text(errno));
    std::vector<char> buf(1 << 20);
    Sha256 sha;
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
        throw Error(Exit::io, path, "cannot spool the input: " + errno_text(errno));
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
  std::optional<AtomicFile> file_;  // removed on destruction and on signals
  std::uint64_t bytes_ = 0;
  std::string sha256_;
};

Json audio_record(const AudioInfo& info) {
  Json a;
  a["container"] = info.container;
  a["codec"] = info.codec;
  a["lossless"] = info.lossless;
  a["sample_rate"] = info.sample_rate;
  a["channels"] = info.channels;
  a["duration"] = info.duration >= 0 ? Json(round_seconds(info.duration)) : Json(nullptr);
  return a;
}

}  // namespace

HashResult hash_file(const std::string& path, const HashOptions& opt) {
  HashResult r;
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
    const AudioInfo info = probe_audio(source);  // not audio: Error(data)
    FileDigest digest;
    if (spool) {
      digest.sha256 = spool->sha256();
      digest.bytes = spool->bytes();
    } else {
      digest = sha256_file(source);
      if (static_cast<long long>(digest.bytes) > opt.max_size) {
        throw Error(Exit::data, path, "file grew over the size limit (--max-size)");
      }
    }
    Json& d = r.doc;
    d["schema"] = "wf.hash/1";
    d["toolkit_version"] = kToolkitVersion;
    d["path"] = path;
    d["bytes"] = digest.bytes;
    d["sha256"] = digest.sha256;
    d["audio"] = audio_record(info);
    r.record.path = path;
    r.record.bytes = digest.bytes;
    r.record.sha256 = digest.sha256;
    if (opt.content) {
      const ContentHash c = content_hash(source);
      d["content_sha256"] = c.sha256;
      d["content_rule"] = c.rule;
      r.record.content_sha256 = c.sha256;
      r.record.content_rule = c.rule;
    }
    if (opt.fingerprint) {
      r.fp = fingerprint_file(source);
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

}  // namespace audio
