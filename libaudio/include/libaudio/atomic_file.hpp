// Atomic output files: write to a temporary file beside the target, rename into place.
//
// An interrupted run never leaves a truncated file where a good one is expected. The
// temporary is removed when the AtomicFile is destroyed without commit(), and also when
// the process is stopped by SIGINT/SIGTERM/SIGHUP (a handler unlinks every live temporary
// before the signal's default action runs).
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace audio {

class AtomicFile {
 public:
  // Creates "DIR/.NAME.XXXXXX" (six random letters or digits) next to `target`, registered
  // for removal on a signal before it exists. Throws Error(cant_create).
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
  std::string claim_;  // the target's identity, claimed in the run's OutputGroup
  int fd_ = -1;
  int slot_ = -1;
  bool committed_ = false;
};

// One run's outputs, appearing together or not at all (a mix with its LRC, CUE and bundle;
// every clip with its manifest). While a group is alive, AtomicFile::commit() only closes
// the file and hands its temporary to the group; OutputGroup::commit() renames them all into
// place as the run's last step. A signal during that step removes the ones already renamed;
// a group destroyed without commit() removes every temporary. So a program prints its report
// first and commits after: a report that cannot be written leaves no output either.
//
// The group also makes an overwritten input impossible: an AtomicFile whose target is the
// same file as a protect()ed input, or as another target of the run, throws Error(usage)
// before anything is written. Groups nest: one made while another is alive joins it, and
// only the outermost commits, so a library function can group its own outputs and a program
// can still hold them back until its report is out.
class OutputGroup {
 public:
  OutputGroup();
  ~OutputGroup();
  OutputGroup(const OutputGroup&) = delete;
  OutputGroup& operator=(const OutputGroup&) = delete;

  // `label` names the input in the error ("--video", "the plan"). "-" and "" are ignored.
  void protect(const std::string& input, const std::string& label);
  // A file of an earlier run that this run's set replaces (a stale clip): removed when the
  // group commits, never if it fails.
  void remove_on_commit(const std::string& path);
  // Renames every pending temporary over its target. Throws Error(cant_create), after
  // removing the targets it had already renamed.
  void commit();

  // Where `target` can be read now: the temporary of a pending output, else `target`.
  static std::string readable(const std::string& target);

  struct State;

 private:
  std::unique_ptr<State> state_;
  bool committed_ = false;
};

// A file a run reads or writes, with the option that named it ("--video", "-o").
struct NamedFile {
  std::string label;
  std::string path;
};

// The up-front check of a run's files, before any work: Error(usage) if an output is the
// same file as an input or as another output ("--report would overwrite the input
// (--video)"), then
// ensure_output_writable for each output. Paths "-" and "" are skipped.
void ensure_distinct_files(const std::vector<NamedFile>& inputs,
                           const std::vector<NamedFile>& outputs);

// Throws Error(usage) if `output` names the same file as `input` (never overwrite input).
void ensure_not_same_file(const std::string& input, const std::string& output);

// Throws Error(cant_create) unless the directory that would hold `output` exists and is
// writable. Lets programs fail before long work starts.
void ensure_output_writable(const std::string& output);

// Throws Error(usage, "stdout") when `output` is "-" and stdout is a terminal: binary data
// (`what`, e.g. "MP3") would only garble it. "will not write WHAT to a terminal; use -o FILE
// or a pipe".
void ensure_stdout_not_terminal(const std::string& output, const std::string& what);

}  // namespace audio
