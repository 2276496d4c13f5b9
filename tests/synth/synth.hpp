// A small deterministic synthesizer for test fixtures: tones, noise, click tracks, and short
// musical tracks (drums, bass, chords, lead) with known tempo, key, beats and sections.
// Same arguments give bit-identical samples on the same platform: the noise comes from a
// fixed-seed xorshift generator, never from the clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libaudio/json_out.hpp"

namespace synth {

// Interleaved float audio.
struct Audio {
  int rate = 44100;
  int channels = 1;
  std::vector<float> samples;
  std::size_t frames() const { return samples.size() / static_cast<std::size_t>(channels); }
};

// Stereo audio mixed to one channel: the mean of left and right, frame by frame.
std::vector<float> mono(const Audio& stereo);

Audio sine(double freq, double seconds, int rate = 44100, int channels = 1, double amp = 0.5);
Audio white_noise(double seconds, int rate = 44100, int channels = 1, double amp = 0.5,
                  std::uint64_t seed = 1);
// Short clicks on every beat at `bpm` (first click at `offset` seconds).
Audio clicks(double bpm, double seconds, int rate = 44100, double offset = 0.0, double amp = 0.8);

struct Key {
  int tonic = 9;  // pitch class, 0 = C
  bool minor = true;
  std::string name() const;  // "A minor"
};
// Parses "Am", "A minor", "C#", "Ebm", "F# major". Throws std::invalid_argument.
Key parse_key(const std::string& text);

// Material without a beat, for "no tempo" fixtures (mono):
// a pad: the key's i-VI-iv-V chords, each fading in and out over `chord_seconds`;
Audio pad(const Key& key, double seconds, int rate = 44100, double chord_seconds = 7.0);
// speech-like babble: voiced syllables (a glottal-pulse tone through two formants) of
// irregular length and pitch, with pauses, at about 4 syllables a second.
Audio babble(double seconds, int rate = 44100, std::uint64_t seed = 1);

struct Section {
  std::string label;  // intro, build, drop, breakdown, outro, verse, prechorus, chorus, bridge
  int bars = 8;
  double bpm = 0;  // 0: the track's tempo; otherwise this section's own (a tempo change)
  std::optional<Key> key = std::nullopt;  // plays in this key instead of the track's (a modulation)
};

// Drum patterns, each with a known tempo: the truth is always the quarter-note pulse.
enum class Groove {
  four_on_the_floor,  // kick on every beat, snare on 2 and 4, off-beat hats
  breakbeat,          // kick on 1 and the "and" of 3, snare on 2 and 4, eighth hats (breaks, D&B)
  half_time,          // kick on 1, snare on 3, eighth hats: feels like half the tempo
};
// Parses "four", "four-on-the-floor", "breakbeat", "half-time". Throws std::invalid_argument.
Groove parse_groove(const std::string& text);
std::string groove_name(Groove g);

struct TrackSpec {
  double bpm = 124.0;
  Groove groove = Groove::four_on_the_floor;
  Key key;
  std::vector<Section> sections{
      {"intro", 4}, {"drop", 8}, {"breakdown", 4}, {"drop", 8}, {"outro", 4}};
  double lead_in = 0.0;  // seconds of silence before the first beat
  int rate = 44100;
  std::uint64_t seed = 1;
  // Song form (synth song): verse, chorus and bridge each get their own chord progression,
  // melody, drums and level (the chorus loudest and fullest), intro and outro their own
  // arrangement, and every repeat of a section is sample-identical. Off: the dance-track
  // arrangement above, unchanged (existing fixtures stay bit-identical).
  bool song = false;
  // With song: verse, pre-chorus and chorus all play the chorus's chord loop, so only their
  // arrangement tells them apart (melody, drums, level: as in much pop, rock and dance), and
  // the verse plays closer to the chorus's level. A "prechorus" section builds from verse to
  // chorus over the same loop.
  bool shared_loop = false;
};

// Parses "intro:8,drop:16,outro:8"; "drop:16@130" gives a section its own tempo and a third
// field its own key ("drop:8:Em", "drop:8@130:Em").
// Throws std::invalid_argument.
std::vector<Section> parse_sections(const std::string& text);

struct Stems {
  Audio drums, bass, chords, lead;  // each stereo at spec.rate, the same length
};

Stems render_stems(const TrackSpec& spec);
// The four stems summed (at 0.5 each, so nothing clips).
Audio render_track(const TrackSpec& spec);

// The default song form: intro, two verse-chorus pairs, a bridge, a double chorus, an outro.
std::vector<Section> default_song_sections();

// Crowd noise between songs of a concert (stereo): dense hand claps over broadband noise,
// swelling in and dying away.
Audio applause(double seconds, int rate = 44100, std::uint64_t seed = 1);

// A concert: songs (song form, each its own tempo and key) separated by applause and talk.
// Truth: {"schema": "synth.concert/1", "duration", "songs": [{"start", "end", "bpm", "key",
// "sections": [...]}], "gaps": [{"start", "end", "kind": "applause"|"talk"}]}.
struct Concert {
  Audio audio;  // stereo
  audio::Json truth;
};
Concert render_concert(const std::vector<TrackSpec>& songs, double gap_seconds, int rate = 44100);

// The ground truth of a spec: bpm, key, beat and downbeat times, section boundaries; when a
// section has its own tempo, also "tempo_segments" (start, bpm per section) and each
// section's "bpm".
audio::Json truth(const TrackSpec& spec, double duration);

}  // namespace synth
