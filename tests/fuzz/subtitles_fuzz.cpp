// Fuzz target: dub-mux's subtitles (mix::parse_subtitles: SRT and WebVTT), then the writers
// and strip_tags on the cues read. subtitles.hpp promises that write_vtt's output parses back
// to the same cues: when it does not, the target aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fuzz_support.hpp"
#include "libaudio/error.hpp"
#include "libmix/subtitles.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  mix::Subtitles subs;
  try {
    subs = mix::parse_subtitles(fuzz::as_text(data, size), "subs.srt");
  } catch (const audio::Error&) {
    return 0;
  }
  (void)mix::write_srt(subs.cues);
  for (const mix::Cue& c : subs.cues) (void)mix::strip_tags(c.text);

  const std::string vtt = mix::write_vtt(subs.cues);
  mix::Subtitles again;
  try {
    again = mix::parse_subtitles(vtt, "written.vtt");
  } catch (const audio::Error& e) {
    std::fprintf(stderr, "subtitles: write_vtt's output does not parse: %s\n", e.what());
    std::abort();
  }
  bool same = again.cues.size() == subs.cues.size();
  for (std::size_t i = 0; same && i < subs.cues.size(); ++i) {
    const mix::Cue &a = subs.cues[i], &b = again.cues[i];
    same = a.start_ms == b.start_ms && a.end_ms == b.end_ms && a.text == b.text;
  }
  if (!same) {
    std::fprintf(stderr, "subtitles: write_vtt's output parses back to other cues\n");
    std::abort();
  }
  return 0;
}
