// Fuzz target: audio::read_json_file, the reader of every JSON document a program is given
// (plans, weights, gains, tolerances, golden files). Bytes go to a file, since it reads paths.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "libaudio/error.hpp"
#include "libaudio/json_out.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fuzz::TempFile file("json_document");
  file.write(data, size);
  try {
    const audio::Json doc = audio::read_json_file(file.path());
    // What the readers do next with any document: ask it for its schema.
    audio::require_schema(doc, "djb.plan/1", file.path(), "document");
  } catch (const audio::Error&) {
  }
  return 0;
}
