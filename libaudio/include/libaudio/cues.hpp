// Cue points for DJ use, each with the reason it sits where it does, from the onset
// features, the rhythm, the energy curve and the phrases. A few microseconds per track.
//
// Always the same eight cues, in this order; a cue that does not exist has no time and the
// reason says why (JSON: "time": null), so consumers need no existence checks:
//  - audible_start / audible_end: the first frame / the end of the last frame whose power is
//    above the silence threshold: 50 dB under the track's loudness (the 95th percentile of
//    frame power), never under -80 dBFS. Null for silence.
//  - music_start: the first downbeat with a strong onset (at least half the median onset at
//    the track's downbeats) in a bar no more than 20 dB under the loudness: the music, not a
//    count-in, a crackle or a reverb tail. Without downbeats the first strong beat; without
//    beats the audible start (the reason says which).
//  - mix_in: the first phrase start at or after music_start (usually music_start itself): a
//    bar line where a phrase begins, so the incoming track's phrases line up with the mix.
//  - intro_end: the end of the intro phrases; first_drop: the start of the first drop;
//    outro_start: the start of the outro (null when the phrases have none).
//  - mix_out: the downbeat 16 bars before the end of the last bar that ends by the audible
//    end. 16 bars (30 s at 128 BPM) is a usual long blend and falls inside the 16- or
//    32-bar outros of dance tracks; 32 bars (a minute) would start most mix-outs inside the
//    last drop. Tracks under 32 bars use 8 bars (said in the reason); under 16 bars, null.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libaudio/energy.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/onset.hpp"
#include "libaudio/phrases.hpp"
#include "libaudio/rhythm.hpp"

namespace audio {

struct Cue {
  std::string name;
  std::optional<double> time;  // seconds; empty when the cue does not exist
  std::string reason;
};

std::vector<Cue> find_cues(const OnsetFeatures& features, const Rhythm& rhythm,
                           const EnergyCurve& energy, const Phrases& phrases);

// [{"name", "time": seconds (ms) | null, "reason"}, ...]
Json cues_json(const std::vector<Cue>& cues);

}  // namespace audio
