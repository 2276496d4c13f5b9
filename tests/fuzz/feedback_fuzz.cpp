// Fuzz target: djb-transition learn's input, JSON Lines of djb.feedback/1 records
// (mix::read_feedback, each record through mix::feedback_from_json and breakdown_from_json),
// then a short fit of the weights to what was read.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "libaudio/error.hpp"
#include "libmix/weight_learning.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fuzz::TempFile file("feedback");
  file.write(data, size);
  try {
    const auto records = mix::read_feedback(file.path());
    mix::LearnOptions options;
    options.epochs = 20;  // the fit's arithmetic, not its convergence
    (void)mix::learned_to_json(mix::learn_weights(records, options));
  } catch (const audio::Error&) {
  }
  return 0;
}
