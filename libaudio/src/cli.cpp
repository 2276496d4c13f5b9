#include "libaudio/cli.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <regex>

#include "libaudio/version.hpp"

namespace audio::cli {

Tool::Tool(std::string name, std::string description)
    : name_(std::move(name)), app_(std::move(description), name_) {
  app_.set_version_flag("--version", name_ + " (djb-toolkit) " + kToolkitVersion,
                        "Print the version and exit");
  app_.add_flag("-q,--quiet", quiet_, "Print nothing but errors");
  app_.option_defaults()->always_capture_default();
}

void Tool::add_progress_flag() {
  app_.add_flag("--progress", force_progress_,
                "Show a progress bar on stderr even when it is not a terminal");
}

bool Tool::progress_enabled() const {
  if (force_progress_) return true;
  return !quiet_ && isatty(STDERR_FILENO);
}

void Tool::error(const std::string& subject, const std::string& message) const {
  std::string line = name_ + ": ";
  if (!subject.empty()) line += subject + ": ";
  line += message;
  // One line per error, whatever the message held.
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "%s\n", line.c_str());
}

void Tool::warn(const std::string& subject, const std::string& message) const {
  if (!quiet_) error(subject, "warning: " + message);
}

void Tool::note(const std::string& message) const {
  if (!quiet_) std::fprintf(stderr, "%s: %s\n", name_.c_str(), message.c_str());
}

int Tool::run(int argc, char** argv, const std::function<Exit()>& body) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app_.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app_.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion&) {
    std::cout << app_.version() << '\n';
    return 0;
  } catch (const CLI::ParseError& e) {
    error("", std::string(e.what()) + " (see " + name_ + " --help)");
    return static_cast<int>(Exit::usage);
  }
  try {
    Exit code = body();
    std::cout.flush();
    if (!std::cout) {
      error("stdout", "write failed");
      return static_cast<int>(Exit::io);
    }
    return static_cast<int>(code);
  } catch (const std::exception& e) {
    const Error failure = as_error(e, "");
    error(failure);
    return static_cast<int>(failure.code());
  }
}

long long parse_size(const std::string& text, const std::string& option) {
  static const std::regex re(R"(^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGtT]i?)?[bB]?\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) {
    throw Error(Exit::usage, option, "'" + text + "' is not a size (e.g. 100M, 1.5G, 4096)");
  }
  double value = std::stod(m[1].str());
  std::string unit = m[2].str();
  if (!unit.empty()) {
    const bool binary = unit.size() == 2;
    const double base = binary ? 1024.0 : 1000.0;
    int power = 0;
    switch (std::tolower(static_cast<unsigned char>(unit[0]))) {
      case 'k':
        power = 1;
        break;
      case 'm':
        power = 2;
        break;
      case 'g':
        power = 3;
        break;
      case 't':
        power = 4;
        break;
    }
    value *= std::pow(base, power);
  }
  if (value > 9.0e18) throw Error(Exit::usage, option, "'" + text + "' is too large");
  return static_cast<long long>(value);
}

double parse_gain(const std::string& text, const std::string& option) {
  static const std::regex re(R"(^\s*([+-]?[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*(dB|db|DB)?\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) {
    throw Error(Exit::usage, option, "'" + text + "' is not a gain (e.g. -3dB or 0.5)");
  }
  double v = std::stod(m[1].str());
  if (m[2].matched) {
    if (v > 60 || v < -120) throw Error(Exit::usage, option, "gain " + text + " is out of range");
    return std::pow(10.0, v / 20.0);
  }
  if (v < 0 || v > 1000) throw Error(Exit::usage, option, "gain " + text + " is out of range");
  return v;
}

}  // namespace audio::cli
