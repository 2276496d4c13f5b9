// Fuzz target: reading djb-analyze's djb.analysis/1 documents into tracks, as djb-transition
// does (mix::read_tracks: one document or JSON Lines, each through mix::from_analysis), then
// the per-track lookups the transition scoring makes on what was read.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "libaudio/error.hpp"
#include "libmix/mix_track.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fuzz::TempFile file("analysis_document");
  file.write(data, size);
  try {
    for (const mix::MixTrack& t : mix::read_tracks(file.path())) {
      const double start = t.start_time(), end = t.end_time();
      (void)t.mean_energy(start, end);
      (void)t.mean_low(start, start + t.bar_seconds());
      (void)t.mean_mid(end - t.bar_seconds(), end);
      (void)t.on_phrase_boundary(start);
      (void)t.bars_from_phrase(end);
      if (!t.downbeats.empty()) (void)t.nearest_downbeat(end);
    }
  } catch (const audio::Error&) {
  }
  return 0;
}
