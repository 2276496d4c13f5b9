#include "libaudio/json_out.hpp"

#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "libaudio/atomic_file.hpp"
#include "libaudio/error.hpp"
#include "libaudio/input_file.hpp"

namespace audio {

void write_json_line(std::ostream& out, const Json& doc) {
  out << doc.dump() << '\n';
  out.flush();
}

void write_json_line_file(const std::string& path, const Json& doc) {
  AtomicFile file(path);
  const std::string text = doc.dump() + "\n";
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(file.fd(), text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(Exit::io, path, "cannot write: " + errno_text(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  file.commit();
}

Json input_record(const std::string& path, const std::string& sha256) {
  Json j;
  j["path"] = path;
  j["sha256"] = sha256.empty() ? Json(nullptr) : Json(sha256);
  return j;
}

Error json_error(const nlohmann::json::exception& e, const std::string& subject) {
  // nlohmann's text is "[json.exception.parse_error.101] parse error at line 1, ...": keep
  // what follows the bracket, which a user can act on.
  std::string what = e.what();
  const auto bracket = what.find("] ");
  if (what.rfind("[json.exception.", 0) == 0 && bracket != std::string::npos)
    what = what.substr(bracket + 2);
  return Error(Exit::data, subject, "not valid JSON: " + what);
}

Json read_json_file(const std::string& path) {
  const std::string text = read_input_text(path);
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw Error(Exit::data, path, "empty JSON document");
  }
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw json_error(e, path);
  }
}

void require_schema(const Json& doc, const std::string& schema, const std::string& subject,
                    const std::string& kind) {
  if (!doc.is_object()) throw Error(Exit::data, subject, "not a " + schema + " " + kind);
  const auto found = doc.find("schema");
  if (found == doc.end() || *found != schema)
    throw Error(Exit::data, subject,
                "schema is " + (found == doc.end() ? std::string("missing") : found->dump()) +
                    ", expected " + schema);
}

}  // namespace audio
