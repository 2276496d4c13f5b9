#include "libaudio/error.hpp"

#include <cstring>
#include <new>

namespace audio {

Error as_error(const std::exception& e, const std::string& subject) {
  if (const auto* error = dynamic_cast<const Error*>(&e)) return *error;
  if (dynamic_cast<const std::bad_alloc*>(&e))
    return Error(Exit::software, subject, "out of memory");
  return Error(Exit::software, subject, std::string("internal error: ") + e.what());
}

std::string errno_text(int err) {
  char buf[256];
  // GNU strerror_r returns a pointer that may or may not be buf.
  const char* text = strerror_r(err, buf, sizeof buf);
  std::string s = text;
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

}  // namespace audio
