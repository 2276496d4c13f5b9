#include "libaudio/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <vector>

#include "libaudio/error.hpp"

namespace audio {
namespace {

// Live temporaries, in fixed storage so the signal handler can unlink them without
// allocating (unlink is async-signal-safe; std::string is not).
constexpr int kSlots = 1024;
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

// A path's identity before the file exists: absolute, symbolic links resolved as far as
// they exist, "." and ".." folded.
std::string identity(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec);
  return ec ? std::filesystem::path(path).lexically_normal().string() : p.string();
}

bool same_inode(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  return stat(a.c_str(), &sa) == 0 && stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

}  // namespace

struct OutputGroup::State {
  struct Pending {
    std::string target, temp;
    int slot;
  };
  struct Input {
    std::string path, label, id;
  };
  std::mutex mutex;
  std::vector<Input> inputs;
  std::vector<std::string> claimed;  // identities of every target so far
  std::vector<Pending> pending;
  std::vector<std::string> stale;
};

namespace {
OutputGroup::State* g_group = nullptr;

// Called for every AtomicFile made while a group is alive; returns the claimed identity.
std::string claim_target(OutputGroup::State& g, const std::string& target) {
  const std::string id = identity(target);
  std::lock_guard lock(g.mutex);
  for (const auto& in : g.inputs) {
    if (in.id == id || same_inode(in.path, target)) {
      throw Error(Exit::usage, target,
                  "output would overwrite the input " + in.path + " (" + in.label + ")");
    }
  }
  for (const std::string& other : g.claimed) {
    if (other == id) throw Error(Exit::usage, target, "two outputs of this run are one file");
  }
  g.claimed.push_back(id);
  return id;
}

// A file abandoned before its commit (a first attempt redone) gives its target back.
void release_target(OutputGroup::State& g, const std::string& id) {
  std::lock_guard lock(g.mutex);
  const auto it = std::find(g.claimed.begin(), g.claimed.end(), id);
  if (it != g.claimed.end()) g.claimed.erase(it);
}
}  // namespace

OutputGroup::OutputGroup() {
  if (g_group) return;  // joins the run's group, which commits
  state_ = std::make_unique<State>();
  g_group = state_.get();
}

OutputGroup::~OutputGroup() {
  if (!state_) return;
  g_group = nullptr;
  if (committed_) return;
  for (const auto& p : state_->pending) {
    unlink(p.temp.c_str());
    unregister_temp(p.slot);
  }
}

void OutputGroup::protect(const std::string& input, const std::string& label) {
  if (input.empty() || input == "-" || !g_group) return;
  std::lock_guard lock(g_group->mutex);
  g_group->inputs.push_back({input, label, identity(input)});
}

void OutputGroup::commit() {
  if (!state_) return;  // a joined group: the outermost one commits
  State& g = *state_;
  std::lock_guard lock(g.mutex);
  // Each target is registered for removal on a signal before it is renamed into place, so
  // an interruption in the middle of this loop still leaves nothing.
  std::vector<int> target_slots;
  std::size_t done = 0;
  try {
    for (; done < g.pending.size(); ++done) {
      const auto& p = g.pending[done];
      target_slots.push_back(register_temp(p.target));
      if (std::rename(p.temp.c_str(), p.target.c_str()) != 0) {
        throw Error(Exit::cant_create, p.target, "cannot create output: " + errno_text(errno));
      }
      unregister_temp(p.slot);
    }
  } catch (...) {
    for (std::size_t i = 0; i < done; ++i) unlink(g.pending[i].target.c_str());
    for (std::size_t i = done; i < g.pending.size(); ++i) {
      unlink(g.pending[i].temp.c_str());
      unregister_temp(g.pending[i].slot);
    }
    for (int slot : target_slots) unregister_temp(slot);
    g.pending.clear();
    throw;
  }
  for (int slot : target_slots) unregister_temp(slot);
  g.pending.clear();
  committed_ = true;
  for (const std::string& path : g.stale) unlink(path.c_str());
}

void OutputGroup::remove_on_commit(const std::string& path) {
  if (!g_group) return;
  std::lock_guard lock(g_group->mutex);
  g_group->stale.push_back(path);
}

std::string OutputGroup::readable(const std::string& target) {
  if (!g_group) return target;
  std::lock_guard lock(g_group->mutex);
  for (const auto& p : g_group->pending) {
    if (p.target == target) return p.temp;
  }
  return target;
}

AtomicFile::AtomicFile(std::string target) : target_(std::move(target)) {
  if (g_group) claim_ = claim_target(*g_group, target_);
  std::filesystem::path p(target_);
  const std::string prefix = parent_dir(target_) + "/." + p.filename().string() + ".";
  // The name is registered for removal on a signal before the file exists: with mkstemp, a
  // signal between its creating the file and the registration left the file behind. Mode
  // 0666 under the umask, as any output gets.
  static thread_local std::mt19937_64 random(std::random_device{}() ^
                                             static_cast<std::uint64_t>(::getpid()));
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0;; ++attempt) {
    std::string name = prefix;
    for (int i = 0; i < 6; ++i) name += kChars[random() % (sizeof kChars - 1)];
    slot_ = register_temp(name);
    fd_ = ::open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0) {
      temp_ = name;
      return;
    }
    const int err = errno;
    unregister_temp(slot_);
    slot_ = -1;
    if (err != EEXIST || attempt >= 100) {
      throw Error(Exit::cant_create, target_, "cannot create output: " + errno_text(err));
    }
  }
}

AtomicFile::~AtomicFile() {
  close_fd();
  if (!committed_ && !temp_.empty()) unlink(temp_.c_str());
  if (!committed_ && !claim_.empty() && g_group) release_target(*g_group, claim_);
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
  if (g_group) {  // the group renames it, with the rest of the run's outputs
    std::lock_guard lock(g_group->mutex);
    g_group->pending.push_back({target_, temp_, slot_});
    committed_ = true;
    slot_ = -1;
    return;
  }
  if (std::rename(temp_.c_str(), target_.c_str()) != 0) {
    throw Error(Exit::cant_create, target_, "cannot create output: " + errno_text(errno));
  }
  committed_ = true;
  unregister_temp(slot_);
  slot_ = -1;
}

void ensure_distinct_files(const std::vector<NamedFile>& inputs,
                           const std::vector<NamedFile>& outputs) {
  const auto skip = [](const NamedFile& f) { return f.path.empty() || f.path == "-"; };
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const NamedFile& out = outputs[i];
    if (skip(out)) continue;
    const std::string id = identity(out.path);
    for (const NamedFile& in : inputs) {
      if (!skip(in) && (identity(in.path) == id || same_inode(in.path, out.path))) {
        throw Error(Exit::usage, out.path,
                    out.label + " would overwrite the input (" + in.label + ")");
      }
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (!skip(outputs[j]) &&
          (identity(outputs[j].path) == id || same_inode(outputs[j].path, out.path))) {
        throw Error(Exit::usage, out.path,
                    out.label + " and " + outputs[j].label +
                        " are the same file: one output would overwrite the other");
      }
    }
  }
  for (const NamedFile& out : outputs) {
    if (!skip(out)) ensure_output_writable(out.path);
  }
}

void ensure_not_same_file(const std::string& input, const std::string& output) {
  if (input == "-" || output == "-") return;
  if (same_inode(input, output)) {
    throw Error(Exit::usage, output, "output would overwrite the input " + input);
  }
}

void ensure_stdout_not_terminal(const std::string& output, const std::string& what) {
  if (output == "-" && ::isatty(STDOUT_FILENO)) {
    throw Error(Exit::usage, "stdout",
                "will not write " + what + " to a terminal; use -o FILE or a pipe");
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
