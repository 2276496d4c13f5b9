// Fuzz target: djb-render's plan checks before any file is opened: a djb.plan/1 document
// through mix::parse_plan (shape, types, tempo arithmetic), then mix::layout_plan (the
// sample timeline). check_plan_inputs is left out: it needs the plan's audio files.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "libaudio/error.hpp"
#include "libmix/mix_plan.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto doc = fuzz::parse_json(fuzz::as_text(data, size));
  if (!doc) return 0;
  try {
    const mix::MixPlan plan = mix::parse_plan(*doc, "plan.json");
    (void)mix::layout_plan(plan, 44100);
  } catch (const audio::Error&) {
  }
  return 0;
}
