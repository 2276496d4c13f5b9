#include "libaudio/input_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "libaudio/error.hpp"

namespace audio {
namespace {

// Closes the descriptor it owns (never stdin).
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd > STDERR_FILENO) ::close(fd);
  }
};

InputKind kind_of(const struct stat& st, int fd, const std::string& path) {
  if (S_ISREG(st.st_mode)) return InputKind::regular;
  if (S_ISFIFO(st.st_mode)) return InputKind::stream;
  if (S_ISDIR(st.st_mode)) throw Error(Exit::no_input, path, "is a directory");
  if (S_ISCHR(st.st_mode) && fd >= 0 && ::isatty(fd)) {
    throw Error(Exit::no_input, path, "is a terminal; give a file or pipe one in");
  }
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
    throw Error(Exit::no_input, path, "is a device, not a file");
  }
  // Stdin may be a socket: Node's child_process and socket-activated services hand over a
  // socketpair. A socket named by path is no input (it cannot be opened).
  if (S_ISSOCK(st.st_mode) && fd == STDIN_FILENO) return InputKind::stream;
  throw Error(Exit::no_input, path, "not a regular file");
}

}  // namespace

InputKind check_input(const std::string& path) {
  struct stat st {};
  if (path == "-") {
    if (fstat(STDIN_FILENO, &st) != 0) throw Error(Exit::no_input, path, "stdin is closed");
    return kind_of(st, STDIN_FILENO, "stdin");
  }
  if (stat(path.c_str(), &st) != 0) {
    throw Error(Exit::no_input, path, errno == ENOENT ? "no such file" : errno_text(errno));
  }
  const InputKind kind = kind_of(st, -1, path);
  if (access(path.c_str(), R_OK) != 0) throw Error(Exit::no_input, path, "permission denied");
  return kind;
}

std::string read_input_text(const std::string& path, std::size_t max_bytes) {
  check_input(path);
  const std::string subject = path == "-" ? "stdin" : path;
  Fd in;
  if (path == "-") {
    in.fd = STDIN_FILENO;
  } else {
    in.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (in.fd < 0) throw Error(Exit::no_input, path, "cannot open: " + errno_text(errno));
  }
  std::string text;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(in.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EISDIR) throw Error(Exit::no_input, subject, "is a directory");
      throw Error(Exit::io, subject, "read error: " + errno_text(errno));
    }
    if (n == 0) break;
    if (text.size() + static_cast<std::size_t>(n) > max_bytes) {
      throw Error(Exit::data, subject, "larger than " + std::to_string(max_bytes) + " bytes");
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace audio
