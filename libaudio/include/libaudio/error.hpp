// Errors and exit codes shared by every program.
//
// A failure is thrown as audio::Error carrying a sysexits.h code and the subject it is
// about (usually a file path). The CLI layer (cli.hpp) prints it as
// "program: SUBJECT: message" and exits with the code.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace audio {

// sysexits.h codes, plus 1 for a negative answer the user asked to be told about.
enum class Exit : int {
  ok = 0,
  negative = 1,      // e.g. wf-hash --fail-on-duplicate found a duplicate
  usage = 64,        // EX_USAGE
  data = 65,         // EX_DATAERR: corrupt, not audio, out of range
  no_input = 66,     // EX_NOINPUT: missing or unreadable input
  software = 70,     // EX_SOFTWARE: internal error
  cant_create = 73,  // EX_CANTCREAT: cannot create output
  io = 74,           // EX_IOERR
};

class Error : public std::runtime_error {
 public:
  Error(Exit code, std::string subject, const std::string& message)
      : std::runtime_error(message), code_(code), subject_(std::move(subject)) {}
  Exit code() const { return code_; }
  // What the error is about (a path, an option name); may be empty.
  const std::string& subject() const { return subject_; }

 private:
  Exit code_;
  std::string subject_;
};

// Any exception as an Error: an Error is itself; anything else is an internal error
// (Exit::software) about `subject`, "out of memory" for std::bad_alloc. The one mapping the
// programs print with and the batch results (hash, analysis, golden diff) record.
Error as_error(const std::exception& e, const std::string& subject);

// Human-readable text for an errno value ("No such file or directory").
std::string errno_text(int err);

}  // namespace audio
