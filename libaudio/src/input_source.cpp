#include "libaudio/input_source.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "libaudio/atomic_file.hpp"
#include "libaudio/error.hpp"
#include "libaudio/ffmpeg_util.hpp"
#include "libaudio/input_file.hpp"
#include "libaudio/sha256.hpp"

namespace audio {
namespace {

std::string over_limit(std::uint64_t bytes, long long max_bytes, const std::string& option) {
  return "input is " + std::to_string(bytes) + " bytes, over the size limit of " +
         std::to_string(max_bytes) + " (" + option + ")";
}

}  // namespace

InputSource::InputSource(const std::string& path, long long max_bytes,
                         const std::string& limit_option)
    : path_(path), source_(path) {
  struct stat st {};
  bool regular = check_input(path) == InputKind::regular;
  if (path == "-") {
    regular = regular && fstat(STDIN_FILENO, &st) == 0 && lseek(STDIN_FILENO, 0, SEEK_CUR) == 0;
    if (regular) source_ = "/dev/stdin";
  } else if (regular && stat(path.c_str(), &st) != 0) {
    throw Error(Exit::no_input, path, errno_text(errno));
  }
  if (!regular) {
    // A pipe may never end: without a limit of the user's, stop at one far above any song.
    if (max_bytes < 0)
      spool(kMaxSpoolBytes, "a pipe's limit; save the input to a file");
    else
      spool(max_bytes, limit_option);
  } else {
    if (max_bytes >= 0 && st.st_size > max_bytes) {
      throw Error(Exit::data, path,
                  over_limit(static_cast<std::uint64_t>(st.st_size), max_bytes, limit_option));
    }
    FileDigest d = sha256_file(source_);
    if (max_bytes >= 0 && d.bytes > static_cast<std::uint64_t>(max_bytes)) {
      throw Error(Exit::data, path, over_limit(d.bytes, max_bytes, limit_option));  // it grew
    }
    sha256_ = std::move(d.sha256);
    bytes_ = d.bytes;
  }
  if (bytes_ == 0) throw Error(Exit::data, path, path == "-" ? "empty input" : "empty file");
}

InputSource::~InputSource() = default;

void InputSource::spool(long long max_bytes, const std::string& limit_option) {
  const char* tmp = std::getenv("TMPDIR");
  spool_ = std::make_unique<AtomicFile>(std::string(tmp && *tmp ? tmp : "/tmp") + "/djb-input");
  std::FILE* in = path_ == "-" ? stdin : std::fopen(path_.c_str(), "rb");
  if (!in) throw Error(Exit::no_input, path_, "cannot open: " + errno_text(errno));
  struct Closer {
    std::FILE* f;
    ~Closer() {
      if (f != stdin) std::fclose(f);
    }
  } closer{in};
  std::vector<char> buf(1 << 20);
  Sha256 sha;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), in)) > 0) {
    // Noise (/dev/urandom through a FIFO) is refused after its first megabyte, not its
    // fourth gigabyte.
    if (bytes_ == 0 && !ff::looks_like_media(buf.data(), n)) {
      throw Error(Exit::data, path_, "not a media file (nothing FFmpeg reads begins like this)");
    }
    bytes_ += n;
    if (max_bytes >= 0 && bytes_ > static_cast<std::uint64_t>(max_bytes)) {
      throw Error(Exit::data, path_, over_limit(bytes_, max_bytes, limit_option));
    }
    sha.update(buf.data(), n);
    if (::write(spool_->fd(), buf.data(), n) != static_cast<ssize_t>(n)) {
      throw Error(Exit::io, path_, "cannot spool the input: " + errno_text(errno));
    }
  }
  if (std::ferror(in)) throw Error(Exit::io, path_, "read error");
  spool_->close_fd();
  sha256_ = sha.hex_digest();
  source_ = spool_->temp_path();
}

}  // namespace audio
