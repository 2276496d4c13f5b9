#include "libaudio/json_out.hpp"

#include <cerrno>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "libaudio/error.hpp"

namespace audio {

void write_json_line(std::ostream& out, const Json& doc) {
  out << doc.dump() << '\n';
  out.flush();
}

Json input_record(const std::string& path, const std::string& sha256) {
  Json j;
  j["path"] = path;
  j["sha256"] = sha256.empty() ? Json(nullptr) : Json(sha256);
  return j;
}

Json read_json_file(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(Exit::no_input, path, "cannot open: " + errno_text(errno));
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    throw Error(Exit::data, path, "empty JSON document");
  }
  try {
    return Json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    std::string what = e.what();
    auto pos = what.find("parse error");
    throw Error(Exit::data, path,
                "not valid JSON: " + (pos == std::string::npos ? what : what.substr(pos)));
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
