// Fuzz target: the JSON comparison golden-diff makes (audio::compare_json with the default
// options, and audio::compare_json_lines on the same two texts as JSON Lines files). The
// input is EXPECTED and ACTUAL split at the first NUL byte, or at the middle without one.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_support.hpp"
#include "libaudio/error.hpp"
#include "libaudio/json_compare.hpp"

namespace {

void describe_all(const audio::JsonComparison& r) {
  for (const auto& d : r.details) (void)d.describe();  // the report's lines
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fuzz::TempFile expected_file("json_compare_expected");
  static const fuzz::TempFile actual_file("json_compare_actual");
  const std::string_view text = fuzz::as_text(data, size);
  const std::size_t nul = text.find('\0');
  const std::size_t cut = nul == std::string_view::npos ? size / 2 : nul;
  const std::string_view expected = text.substr(0, cut);
  const std::string_view actual =
      text.substr(std::min(size, nul == std::string_view::npos ? cut : cut + 1));

  const audio::JsonCompareOptions options;
  const auto e = fuzz::parse_json(expected);
  const auto a = fuzz::parse_json(actual);
  if (e && a) {
    try {
      describe_all(audio::compare_json(*e, *a, options));
    } catch (const audio::Error&) {
    }
  }

  expected_file.write(expected);
  actual_file.write(actual);
  try {
    describe_all(audio::compare_json_lines(expected_file.path(), actual_file.path(), options));
  } catch (const audio::Error&) {
  }
  return 0;
}
