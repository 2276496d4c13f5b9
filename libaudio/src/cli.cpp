#include "libaudio/cli.hpp"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <regex>
#include <utility>

#include "libaudio/progress.hpp"
#include "libaudio/version.hpp"

namespace audio::cli {

namespace {

// One way to show an option in every program's --help: its value's name only ("N", "FILE",
// "INT"), without CLI11's validator text ("INT:INT in [0 - 1024]"), and its default once,
// at the end of the description, unless the description already states it.
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option_opts(const CLI::Option* opt) const override {
    std::string out;
    if (opt->get_type_size() != 0) {
      std::string type = opt->get_type_name();
      type = type.substr(0, type.find_first_of(": "));
      // A positional is named by its own name (FILE); an option by its value's.
      if (!type.empty() && opt->nonpositional()) out += " " + type;
      if (opt->get_expected_max() == CLI::detail::expected_max_vector_size) out += " ...";
      if (opt->get_required()) out += " REQUIRED";
    }
    std::string excluded;
    for (const CLI::Option* other : opt->get_excludes())
      excluded += (excluded.empty() ? "" : ", ") + other->get_name();
    if (!excluded.empty()) out += " (not with " + excluded + ")";
    return out;
  }

  std::string make_option_desc(const CLI::Option* opt) const override {
    std::string desc = opt->get_description();
    // A description that ends with its default "(default X)" shows it as every other does.
    static const std::regex trailing_default(R"( \(default:? ([^()]*)\)$)");
    desc = std::regex_replace(desc, trailing_default, " [default: $1]");
    const std::string def = opt->get_type_size() != 0 ? opt->get_default_str() : "";
    if (!def.empty() && def != "[]" && def != "\"\"" && desc.find("default") == std::string::npos)
      desc += " [default: " + def + "]";
    return desc;
  }
};

}  // namespace

Tool::Tool(std::string name, std::string description)
    : name_(std::move(name)), app_(std::move(description), name_) {
  app_.set_version_flag("--version", name_ + " (djb-toolkit) " + kToolkitVersion,
                        "Print the version and exit");
  app_.add_flag("-q,--quiet", quiet_, "Print nothing but errors");
  app_.option_defaults()->always_capture_default();
  app_.formatter(std::make_shared<HelpFormatter>());
  // The shared options (-q, --progress) also after a subcommand: "dub-mux extract -q".
  app_.fallthrough();
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
  clear_progress_line();
  std::fprintf(stderr, "%s\n", line.c_str());
}

void Tool::warn(const std::string& subject, const std::string& message) const {
  if (!quiet_) error(subject, "warning: " + message);
}

void Tool::note(const std::string& message) const {
  if (quiet_) return;
  clear_progress_line();
  std::fprintf(stderr, "%s: %s\n", name_.c_str(), message.c_str());
}

// CLI11's message for two common slips names the wrong thing ("FILE is required", "A
// subcommand is required"): a file name that starts with '-', and a misspelt subcommand.
std::string Tool::misread_argument(int argc, char** argv) const {
  auto subcommands = app_.get_subcommands([](const CLI::App*) { return true; });
  if (app_.get_require_subcommand_min() == 0) subcommands.clear();  // optional: args are files
  const CLI::App* scope = &app_;
  bool in_scope = subcommands.empty();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    if (!subcommands.empty() && !in_scope && !arg.empty() && arg[0] != '-') {
      const CLI::App* sub = nullptr;
      for (const CLI::App* candidate : subcommands) {
        if (candidate->check_name(arg)) sub = candidate;
      }
      if (!sub) {
        std::string names;
        for (const CLI::App* candidate : subcommands) {
          names += (names.empty() ? "" : ", ") + candidate->get_name();
        }
        return "unknown subcommand '" + arg + "' (one of: " + names + ")";
      }
      scope = sub;
      in_scope = true;
      continue;
    }
    if (arg.size() < 2 || arg[0] != '-' || parse_real(arg)) continue;
    // "--name=value", or "-x" with its value or more short flags attached ("-ofile").
    const std::string name = arg[1] == '-' ? arg.substr(0, arg.find('=')) : arg.substr(0, 2);
    if (!scope->get_option_no_throw(name) && !app_.get_option_no_throw(name)) {
      return "unknown option '" + arg +
             "'; a file whose name starts with '-' goes after --, as in " + name_ + " -- " + arg;
    }
  }
  return {};
}

// 0, or 74 with one line when what was printed (--help, --version) could not be written.
int Tool::stdout_status() const {
  try {
    flush_stdout();
  } catch (const Error& e) {
    error(e);
    return static_cast<int>(e.code());
  }
  return 0;
}

namespace {

// Thrown by read_stdin_by_default() when there is nothing to read: run() prints the usage.
struct NoInputOnTerminal {};

}  // namespace

void Tool::read_stdin_by_default(std::vector<std::string>& files) const {
  if (!files.empty()) return;
  if (isatty(STDIN_FILENO)) throw NoInputOnTerminal{};
  files.push_back("-");
}

int Tool::run(int argc, char** argv, const std::function<Exit()>& body) {
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app_.help();
    return stdout_status();
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app_.help("", CLI::AppFormatMode::All);
    return stdout_status();
  } catch (const CLI::CallForVersion&) {
    std::cout << app_.version() << '\n';
    return stdout_status();
  } catch (const CLI::ParseError& e) {
    const std::string hint = misread_argument(argc, argv);
    error("", (hint.empty() ? std::string(e.what()) : hint) + " (see " + name_ + " --help)");
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
  } catch (const NoInputOnTerminal&) {
    // As sox and ffmpeg do: a bare command at a prompt asks for its usage, not for audio
    // typed on the keyboard.
    std::cerr << app_.help();
    error("", "no input: give files, or pipe audio into standard input");
    return static_cast<int>(Exit::usage);
  } catch (const std::exception& e) {
    const Error failure = as_error(e, "");
    error(failure);
    return static_cast<int>(failure.code());
  }
}

void flush_stdout() {
  std::cout.flush();
  if (!std::cout || std::fflush(stdout) != 0) {
    throw Error(Exit::io, "stdout", "write failed: " + errno_text(errno));
  }
}

std::optional<double> parse_real(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  // from_chars would read "nan" and "inf"; a number starts with a digit, a sign or a point.
  if (text.empty() || !(std::isdigit(static_cast<unsigned char>(text.front())) ||
                        text.front() == '-' || text.front() == '.')) {
    return std::nullopt;
  }
  if (text.size() > 1 && text.front() == '-' &&
      !(std::isdigit(static_cast<unsigned char>(text[1])) || text[1] == '.')) {
    return std::nullopt;
  }
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;  // out of range (1e400, 1e-400) or trailing text
  }
  return value + 0.0;  // -0 as 0
}

namespace {

// The number of "X", "XdB" or "X dB" (any case of dB), and whether the unit was there.
std::pair<std::string_view, bool> without_db(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (text.size() >= 2) {
    const std::string_view unit = text.substr(text.size() - 2);
    if (unit == "dB" || unit == "db" || unit == "DB")
      return {text.substr(0, text.size() - 2), true};
  }
  return {text, false};
}

std::string range_text(double min, double max) {
  const auto show = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return std::string(b);
  };
  if (max >= std::numeric_limits<double>::max()) return "a finite number >= " + show(min);
  return "a number from " + show(min) + " to " + show(max);
}

}  // namespace

CLI::Validator real_in(double min, double max) {
  return CLI::Validator(
      [min, max](std::string& text) -> std::string {
        const auto v = parse_real(text);
        if (!v || *v < min || *v > max) return "'" + text + "' is not " + range_text(min, max);
        return {};
      },
      "NUMBER");
}

double parse_db(const std::string& text, const std::string& option, double min, double max) {
  const auto v = parse_real(without_db(text).first);
  if (!v || *v < min || *v > max) {
    throw Error(Exit::usage, option, "'" + text + "' is not " + range_text(min, max) + " dB");
  }
  return *v;
}

long long parse_size(const std::string& text, const std::string& option) {
  static const std::regex re(R"(^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGtT]i?)?[bB]?\s*$)");
  std::smatch m;
  if (!std::regex_match(text, m, re)) {
    throw Error(Exit::usage, option, "'" + text + "' is not a size (e.g. 100M, 1.5G, 4096)");
  }
  double value = parse_real(m[1].str()).value_or(1e300);  // only digits: too long if not
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
  const auto [number, db] = without_db(text);
  const auto v = parse_real(number);
  if (!v) throw Error(Exit::usage, option, "'" + text + "' is not a gain (e.g. -3dB or 0.5)");
  if (db) {
    if (*v > 60 || *v < -120) {
      throw Error(Exit::usage, option, "gain " + text + " is outside -120..60 dB");
    }
    return std::pow(10.0, *v / 20.0);
  }
  if (*v < 0 || *v > 1000) {
    throw Error(Exit::usage, option, "gain " + text + " is outside 0..1000 (linear)");
  }
  return *v;
}

}  // namespace audio::cli
