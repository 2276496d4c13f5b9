// Fuzz target: the golden tolerances file (audio::Tolerances::parse), then the lookups
// golden-diff makes with it: field rules and file thresholds for fixed paths and for the
// file's own keys, so the glob matcher sees patterns and names from the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "libaudio/error.hpp"
#include "libaudio/tolerances.hpp"

namespace {

void look_up(const audio::Tolerances& t, const std::string& file) {
  std::vector<std::string> path;
  try {
    path = audio::split_json_pointer(file);
  } catch (const audio::Error&) {
    path = {"beats", "12"};
  }
  (void)t.field_rule(file, path);
  (void)t.field_rule(file, {});
  (void)t.file_thresholds(file);
  audio::ToleranceStack stack;
  stack.push(&t, file);
  stack.push(&t, "sub/" + file);
  (void)stack.field_rule(path);
  (void)stack.file_thresholds();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto doc = fuzz::parse_json(fuzz::as_text(data, size));
  if (!doc) return 0;
  try {
    const audio::Tolerances t = audio::Tolerances::parse(*doc, "tolerances.json");
    for (const char* file : {"track.json", "clips/clip-8s-1.wav", "a/b/c.jsonl", ""})
      look_up(t, file);
    if (doc->is_object()) {
      int n = 0;
      for (const auto& item : doc->items()) {
        if (++n > 8) break;
        look_up(t, item.key());
        (void)audio::glob_match(item.key(), item.key());
        (void)audio::file_pattern_match(item.key(), "dir/" + item.key());
      }
    }
  } catch (const audio::Error&) {
  }
  return 0;
}
