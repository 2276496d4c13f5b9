// Command-line plumbing shared by every program.
//
// A program builds a Tool, adds its options to tool.app() (CLI11), and calls
// tool.run(argc, argv, body). run() adds --version and -q/--quiet, parses, and maps every
// failure to one line on stderr ("program: SUBJECT: message") and a sysexits code:
// CLI11 parse errors -> 64, audio::Error -> its code, anything else -> 70.
// --help and --version print to stdout and exit 0.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "libaudio/error.hpp"

namespace audio::cli {

class Tool {
 public:
  Tool(std::string name, std::string description);

  CLI::App& app() { return app_; }
  const std::string& name() const { return name_; }
  bool quiet() const { return quiet_; }
  // True when a progress bar should be drawn: stderr is a terminal and not --quiet, or
  // --progress was given.
  bool progress_enabled() const;
  // Adds --progress (force the bar even when stderr is not a terminal).
  void add_progress_flag();

  int run(int argc, char** argv, const std::function<Exit()>& body);

  // For programs whose files default to standard input: with no files, reads "-" when
  // stdin is a pipe or a file; when it is a terminal, the program prints its usage on
  // stderr and exits 64 instead of waiting silently. Call inside run()'s body.
  void read_stdin_by_default(std::vector<std::string>& files) const;

  // "program: subject: message" on stderr; errors print even with --quiet.
  void error(const std::string& subject, const std::string& message) const;
  void error(const Error& e) const { error(e.subject(), e.what()); }
  void warn(const std::string& subject, const std::string& message) const;  // unless quiet
  void note(const std::string& message) const;                              // unless quiet

 private:
  std::string misread_argument(int argc, char** argv) const;
  int stdout_status() const;
  std::string name_;
  CLI::App app_;
  bool quiet_ = false;
  bool force_progress_ = false;
};

// Keeps a batch going past bad files: remembers the first failure's code so the program
// can exit non-zero at the end.
class BatchStatus {
 public:
  void fail(Exit code) {
    if (code_ == Exit::ok) code_ = code;
  }
  bool failed() const { return code_ != Exit::ok; }
  Exit code() const { return code_; }

 private:
  Exit code_ = Exit::ok;
};

// Flushes stdout and throws Error(io, "stdout") if anything written to it was lost (a full
// disk, a closed pipe). Programs call it after printing their report and before committing
// their outputs (atomic_file.hpp: OutputGroup), so a lost report leaves no output behind.
void flush_stdout();

// Numbers on the command line and in option strings: one strict parser for every program.
// The whole text (surrounding blanks allowed, a leading '+' too) must be a decimal number
// that a double holds: "nan", "inf", "1e400", "1e-400", "0x10" and "5x" all fail.
std::optional<double> parse_real(std::string_view text);

// A CLI11 check for a real-number option: parse_real succeeds and min <= value <= max.
// (CLI::Range lets NaN through, and CLI11 reads "inf".) The message names the range.
CLI::Validator real_in(double min, double max);

// parse_real in [min, max] with an optional "dB" unit (e.g. "-12", "-12dB", "-12 dB"), for
// options whose value is always in dB. Throws Error(usage) naming `option`.
double parse_db(const std::string& text, const std::string& option, double min, double max);

// Parses sizes such as "100M", "1.5G", "4096", "512k" (powers of 1000 for k/M/G, 1024 for
// Ki/Mi/Gi). Throws Error(usage) naming `option`.
long long parse_size(const std::string& text, const std::string& option);

// Parses a gain such as "-3dB", "+1.5 dB", "0.5" (linear) into a linear factor.
double parse_gain(const std::string& text, const std::string& option);

}  // namespace audio::cli
