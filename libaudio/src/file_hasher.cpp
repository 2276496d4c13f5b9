#include "libaudio/file_hasher.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "libaudio/content_hash.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/input_source.hpp"
#include "libaudio/sha256.hpp"
#include "libaudio/version.hpp"

namespace audio {
namespace {

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
    const InputSource input(path, opt.max_size);
    const AudioInfo info = probe_audio(input.source());  // not audio: Error(data)
    check_stream_complete(input.source());               // cut short: Error(data)
    const std::string& source = input.source();
    Json& d = r.doc;
    d["schema"] = "wf.hash/1";
    d["toolkit_version"] = kToolkitVersion;
    d["path"] = path;
    d["bytes"] = input.bytes();
    d["sha256"] = input.sha256();
    d["audio"] = audio_record(info);
    r.record.path = path;
    r.record.bytes = input.bytes();
    r.record.sha256 = input.sha256();
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
  } catch (const std::exception& ex) {
    const Error e = as_error(ex, path);
    // Report against the name the user gave, not a spool file.
    r.error.emplace(e.code(), path, e.what());
  }
  return r;
}

}  // namespace audio
