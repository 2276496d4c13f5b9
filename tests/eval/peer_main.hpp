// The command line every peer harness of the evaluation shares (eval-qm-peer,
// eval-qm-segmenter-peer): `PROG FILE...` prints one JSON line per file on stdout, --help
// says what it measures, and a file that fails is named on stderr while the others go on;
// the exit status is the first failure's sysexits code (64 for bad use).
#pragma once

#include <exception>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "libaudio/error.hpp"
#include "libaudio/json_out.hpp"

namespace evalpeer {

inline int run(int argc, char** argv, const std::string& prog, const std::string& what,
               const std::function<audio::Json(const std::string&)>& analyse) {
  const std::string usage = "usage: " + prog + " FILE...\n";
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage << what;
      return 0;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::cerr << prog << ": " << a << ": unknown option\n" << usage;
      return 64;
    }
    files.push_back(a);
  }
  if (files.empty()) {
    std::cerr << usage;
    return 64;
  }
  int status = 0;
  for (const std::string& f : files) {
    try {
      audio::write_json_line(std::cout, analyse(f));
    } catch (const std::exception& e) {
      const audio::Error err = audio::as_error(e, f);
      std::cerr << prog << ": " << f << ": " << err.what() << "\n";
      if (status == 0) status = static_cast<int>(err.code());
    }
  }
  return status;
}

}  // namespace evalpeer
