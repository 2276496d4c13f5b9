// Atomic output files: write to a temporary file beside the target, rename into place.
//
// An interrupted run never leaves a truncated file where a good one is expected. The
// temporary is removed when the AtomicFile is destroyed without commit(), and also when
// the process is stopped by SIGINT/SIGTERM/SIGHUP (a handler unlinks every live temporary
// before the signal's default action runs).
#pragma once

#include <string>

namespace audio {

class AtomicFile {
 public:
  // Creates "DIR/.NAME.XXXXXX.tmp" next to `target`. Throws Error(cant_create).
  explicit AtomicFile(std::string target);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& target() const { return target_; }
  const std::string& temp_path() const { return temp_; }
  // An open descriptor on the temporary file (owned by this object).
  int fd() const { return fd_; }
  // Closes the descriptor (for libraries that reopen the temp path themselves).
  void close_fd();
  // Renames the temporary over the target. Throws Error(cant_create / io).
  void commit();

 private:
  std::string target_;
  std::string temp_;
  int fd_ = -1;
  int slot_ = -1;
  bool committed_ = false;
};

// Throws Error(usage) if `output` names the same file as `input` (never overwrite input).
void ensure_not_same_file(const std::string& input, const std::string& output);

// Throws Error(cant_create) unless the directory that would hold `output` exists and is
// writable. Lets programs fail before long work starts.
void ensure_output_writable(const std::string& output);

}  // namespace audio
