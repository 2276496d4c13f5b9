// An input named on the command line, made re-readable and hashed.
//
// Programs read an input more than once (probe, hash, decode), but stdin and other pipes can
// be read only once. So: a regular file is read where it is; stdin redirected from a regular
// file (at its start) is reopened as /dev/stdin; a pipe, FIFO or device is copied once into
// a temporary spool file while it is hashed (the spool is removed with this object, and on
// SIGINT/SIGTERM). Construction also gives the SHA-256 and byte count of the input.
//
// Errors: missing, a directory or a device -> Error(no_input) (input_file.hpp); empty, or over
// `max_bytes` (a pipe without one: over kMaxSpoolBytes) ->
// Error(data); a read or spool failure -> Error(io). Each names the path the user gave.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace audio {

class AtomicFile;

// The spool's bound when the caller sets none: 4 GiB, the most a WAV file can hold.
inline constexpr long long kMaxSpoolBytes = 4LL << 30;

class InputSource {
 public:
  // max_bytes < 0: no size limit. `limit_option` names the option in the error message.
  explicit InputSource(const std::string& path, long long max_bytes = -1,
                       const std::string& limit_option = "--max-size");
  ~InputSource();
  InputSource(const InputSource&) = delete;
  InputSource& operator=(const InputSource&) = delete;

  const std::string& path() const { return path_; }      // as the user gave it
  const std::string& source() const { return source_; }  // what libraries should open
  const std::string& sha256() const { return sha256_; }
  std::uint64_t bytes() const { return bytes_; }
  bool spooled() const { return spool_ != nullptr; }

 private:
  void spool(long long max_bytes, const std::string& limit_option);
  std::string path_, source_, sha256_;
  std::uint64_t bytes_ = 0;
  std::unique_ptr<AtomicFile> spool_;
};

}  // namespace audio
