// Fuzz target: djb-transition's score weights (mix::weights_from_json, djb.weights/1). A
// document it accepts must give a score in [0, 1] for any breakdown (the documented range of
// a weighted mean): outside it, the target aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_support.hpp"
#include "libaudio/error.hpp"
#include "libmix/transition_score.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto doc = fuzz::parse_json(fuzz::as_text(data, size));
  if (!doc) return 0;
  try {
    const mix::Weights w = mix::weights_from_json(*doc, "weights.json");
    (void)mix::weights_to_json(w);
    mix::Breakdown b;
    for (int i = 0; i < mix::kTerms; ++i) b[i] = i % 2 == 0 ? 1.0 : 0.25;
    const double score = mix::combine(b, w);
    if (!(score >= 0 && score <= 1)) {
      std::fprintf(stderr, "weights: accepted weights give the score %g, not in [0, 1]\n", score);
      std::abort();
    }
  } catch (const audio::Error&) {
  }
  return 0;
}
