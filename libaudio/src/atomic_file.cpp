#include "libaudio/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "libaudio/error.hpp"

namespace audio {
namespace {

// Live temporaries, in fixed storage so the signal handler can unlink them without
// allocating (unlink is async-signal-safe; std::string is not).
constexpr int kSlots = 64;
constexpr std::size_t kPathMax = 4096;
std::array<char[kPathMax], kSlots> g_paths;
std::array<std::atomic<bool>, kSlots> g_used{};
std::once_flag g_handlers_once;

void on_fatal_signal(int sig) {
  for (int i = 0; i < kSlots; ++i) {
    if (g_used[i].load()) unlink(g_paths[i]);
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

void install_handlers() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) {
    struct sigaction old {};
    sigaction(sig, nullptr, &old);
    if (old.sa_handler == SIG_IGN) continue;  // respect nohup and friends
    struct sigaction sa {};
    sa.sa_handler = on_fatal_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);
  }
}

int register_temp(const std::string& path) {
  std::call_once(g_handlers_once, install_handlers);
  if (path.size() >= kPathMax) return -1;
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (!g_used[i].load()) {
      std::memcpy(g_paths[i], path.c_str(), path.size() + 1);
      if (g_used[i].compare_exchange_strong(expected, true)) return i;
    }
  }
  return -1;  // too many at once: still removed by the destructor, just not on a signal
}

void unregister_temp(int slot) {
  if (slot >= 0) g_used[slot].store(false);
}

std::string parent_dir(const std::string& path) {
  std::filesystem::path p(path);
  auto parent = p.parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

AtomicFile::AtomicFile(std::string target) : target_(std::move(target)) {
  std::filesystem::path p(target_);
  std::string pattern = parent_dir(target_) + "/." + p.filename().string() + ".XXXXXX";
  std::string buf = pattern;
  fd_ = mkstemp(buf.data());
  if (fd_ < 0) {
    throw Error(Exit::cant_create, target_, "cannot create output: " + errno_text(errno));
  }
  temp_ = buf;
  // mkstemp makes 0600 files; outputs should get the usual umask-governed mode.
  mode_t mask = umask(0);
  umask(mask);
  fchmod(fd_, 0666 & ~mask);
  slot_ = register_temp(temp_);
}

AtomicFile::~AtomicFile() {
  close_fd();
  if (!committed_ && !temp_.empty()) unlink(temp_.c_str());
  unregister_temp(slot_);
}

void AtomicFile::close_fd() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void AtomicFile::commit() {
  if (fd_ >= 0) {
    if (::close(fd_) != 0) {
      fd_ = -1;
      throw Error(Exit::io, target_, "write failed: " + errno_text(errno));
    }
    fd_ = -1;
  }
  struct stat st {};
  if (stat(target_.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw Error(Exit::cant_create, target_, "is a directory");
  }
  if (std::rename(temp_.c_str(), target_.c_str()) != 0) {
    throw Error(Exit::cant_create, target_, "cannot create output: " + errno_text(errno));
  }
  committed_ = true;
  unregister_temp(slot_);
  slot_ = -1;
}

void ensure_not_same_file(const std::string& input, const std::string& output) {
  if (input == "-" || output == "-") return;
  struct stat a {
  }, b{};
  if (stat(input.c_str(), &a) == 0 && stat(output.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
      a.st_ino == b.st_ino) {
    throw Error(Exit::usage, output, "output would overwrite the input " + input);
  }
}

void ensure_output_writable(const std::string& output) {
  if (output == "-") return;
  struct stat st {};
  if (stat(output.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw Error(Exit::cant_create, output, "is a directory");
  }
  const std::string dir = parent_dir(output);
  if (stat(dir.c_str(), &st) != 0) {
    throw Error(Exit::cant_create, output, "directory " + dir + " does not exist");
  }
  if (!S_ISDIR(st.st_mode)) throw Error(Exit::cant_create, output, dir + " is not a directory");
  if (access(dir.c_str(), W_OK) != 0) {
    throw Error(Exit::cant_create, output, "directory " + dir + " is not writable");
  }
}

}  // namespace audio
