// Helpers shared by the fuzz targets: a scratch file for path-based APIs, and JSON parsing
// that turns "not JSON" into "skip this input".
#pragma once

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "libaudio/json_out.hpp"

namespace fuzz {

// One file in the temporary directory ($TMPDIR), made once per process with mkstemp and
// rewritten in place for every input (kept open, never truncated to nothing and closed, which
// some file systems answer with a flush to disk); removed when the process exits normally.
class TempFile {
 public:
  explicit TempFile(const std::string& tag) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("djb-fuzz-" + tag + "-XXXXXX")).string();
    fd_ = mkstemp(pattern.data());
    if (fd_ < 0) {
      std::perror("mkstemp");
      std::abort();
    }
    path_ = pattern;
  }
  // The file at exactly `path` instead (created, or emptied), for APIs that derive the path.
  struct Exact {};
  static constexpr Exact exact{};
  TempFile(const std::string& path, Exact) : path_(path) {
    fd_ = open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) fail("open");
  }
  ~TempFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }

  void write(const void* data, std::size_t size) const {
    const char* p = static_cast<const char*>(data);
    for (std::size_t done = 0; done < size;) {
      const ssize_t n = pwrite(fd_, p + done, size - done, static_cast<off_t>(done));
      if (n <= 0) fail("write");
      done += static_cast<std::size_t>(n);
    }
    if (ftruncate(fd_, static_cast<off_t>(size)) != 0) fail("ftruncate");
  }
  void write(std::string_view text) const { write(text.data(), text.size()); }

 private:
  [[noreturn]] void fail(const char* what) const {
    std::perror((path_ + ": " + what).c_str());
    std::abort();
  }
  int fd_ = -1;
  std::string path_;
};

// One temporary directory per process, removed (with its contents) at a normal exit.
class TempDir {
 public:
  explicit TempDir(const std::string& tag) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("djb-fuzz-" + tag + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The input as one JSON document (as the programs' readers parse it), or nothing.
inline std::optional<audio::Json> parse_json(std::string_view text) {
  audio::Json doc = audio::Json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) return std::nullopt;
  return doc;
}

}  // namespace fuzz
