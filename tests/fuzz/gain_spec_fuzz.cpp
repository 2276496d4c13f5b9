// Fuzz target: wf-mixstems' gains. A JSON input is a --gains document (mix::apply_gain_spec,
// for four stems); every input is also read line by line as the values of --gain STEM=GAIN
// (mix::apply_gain_option), --normalize and --ceiling, the options that parse gain text.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.hpp"
#include "libaudio/error.hpp"
#include "libmix/stem_mixer.hpp"

namespace {

const std::vector<std::string> kStems = {"drums.wav", "bass.wav", "chords.flac", "lead.mp3"};

template <typename F>
void expect_error_or_success(F&& parse) {
  try {
    parse();
  } catch (const audio::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  std::vector<double> gains(kStems.size(), 1.0);
  if (const auto spec = fuzz::parse_json(text)) {
    expect_error_or_success([&] { mix::apply_gain_spec(*spec, kStems, gains, "gains.json"); });
  }
  std::size_t start = 0;
  for (int n = 0; n < 16 && start <= text.size(); ++n) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    const std::string line(text.substr(start, end - start));
    expect_error_or_success([&] { mix::apply_gain_option(line, gains); });
    expect_error_or_success([&] { (void)mix::to_string(mix::parse_normalize(line)); });
    expect_error_or_success([&] { (void)mix::parse_ceiling(line); });
    start = end + 1;
  }
  return 0;
}
