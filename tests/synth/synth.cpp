#include "synth/synth.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace synth {
namespace {

constexpr double kTwoPi = 6.283185307179586;

struct Rng {
  std::uint64_t s;
  explicit Rng(std::uint64_t seed) : s(seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull) {}
  double uniform() {  // [-1, 1)
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return static_cast<double>(s >> 11) / static_cast<double>(1ull << 52) - 1.0;
  }
};

double midi_to_hz(double note) {
  return 440.0 * std::pow(2.0, (note - 69.0) / 12.0);
}

// Adds a mono event into a stereo buffer at frame `start`, panned (-1 left .. 1 right).
template <typename Gen>
void add_event(Audio& out, std::size_t start, std::size_t length, double pan, Gen gen) {
  const double l = std::sqrt(0.5 * (1.0 - pan)), r = std::sqrt(0.5 * (1.0 + pan));
  const std::size_t frames = out.frames();
  for (std::size_t i = 0; i < length && start + i < frames; ++i) {
    const double v = gen(static_cast<double>(i) / out.rate);
    out.samples[2 * (start + i)] += static_cast<float>(v * l);
    out.samples[2 * (start + i) + 1] += static_cast<float>(v * r);
  }
}

const int kMajor[7] = {0, 2, 4, 5, 7, 9, 11};
const int kMinor[7] = {0, 2, 3, 5, 7, 8, 10};

// Scale degree (0-based, may exceed 6) to a semitone offset from the tonic.
int degree_semitones(const Key& key, int degree) {
  const int* scale = key.minor ? kMinor : kMajor;
  int octave = degree / 7, d = degree % 7;
  if (d < 0) {
    d += 7;
    --octave;
  }
  return scale[d] + 12 * octave;
}

// A note of the chord built on `chord_degree`, `offset` scale steps above its root. In a
// minor key the V chord takes the raised leading tone (harmonic minor: G# over E in A minor),
// which is what tells a minor key from its relative major.
int chord_tone_semitones(const Key& key, int chord_degree, int offset) {
  const int degree = chord_degree + offset;
  const bool leading_tone = key.minor && chord_degree == 4 && ((degree % 7) + 7) % 7 == 6;
  return degree_semitones(key, degree) + (leading_tone ? 1 : 0);
}

struct Layers {
  bool kick, hats, snare, bass, chords, lead;
};

// Kick positions within beat q of a bar, in beats from the beat.
std::vector<double> kick_offsets(Groove g, int q) {
  switch (g) {
    case Groove::four_on_the_floor:
      return {0.0};
    case Groove::breakbeat:
      if (q == 0) return {0.0};
      if (q == 2) return {0.5};
      return {};
    case Groove::half_time:
      return q == 0 ? std::vector<double>{0.0} : std::vector<double>{};
  }
  return {};
}

bool snare_on(Groove g, int q) {
  return g == Groove::half_time ? q == 2 : (q == 1 || q == 3);
}

double section_beat(const TrackSpec& spec, const Section& s) {
  return 60.0 / (s.bpm > 0 ? s.bpm : spec.bpm);
}

bool tempo_varies(const TrackSpec& spec) {
  for (const auto& s : spec.sections)
    if (s.bpm > 0 && s.bpm != spec.bpm) return true;
  return false;
}

Layers layers_for(const std::string& label) {
  if (label == "intro") return {true, true, false, false, false, false};
  if (label == "build") return {true, true, true, true, false, false};
  if (label == "drop" || label == "chorus") return {true, true, true, true, true, true};
  if (label == "breakdown" || label == "bridge") return {false, false, false, false, true, true};
  if (label == "verse") return {true, true, true, true, true, false};
  if (label == "outro") return {true, true, false, true, false, false};
  return {true, true, true, true, true, true};
}

// Song form: one arrangement per section label. Everything a section plays depends only on
// its label, key and the bar within the section, so a repeated chorus is the same audio.
struct SongPart {
  int prog_minor[4], prog_major[4];  // scale degrees, one chord per bar, cycling
  double level;                      // gain of the whole section
  double kick, snare, hats;          // 0 = silent
  bool eighth_hats, crash, bass, sustained_bass, chords, octave_chords;
  int melody;  // 0 none, 1 verse, 2 chorus, 3 bridge
  bool fade;   // level falls to 0 over the section (outro)
};

SongPart song_part(const std::string& label) {
  //                 minor prog    major prog    lvl   kick snare hats 8th  crash bass  sus  chords
  //                 oct  mel fade
  if (label == "chorus" || label == "drop")
    return {{3, 5, 6, 0}, {3, 4, 2, 5}, 1.0,   0.95, 0.9,  0.2, true,
            true,         true,         false, true, true, 2,   false};
  if (label == "climax")
    return {{3, 5, 6, 0}, {3, 4, 2, 5}, 1.15,  1.0,  1.0,  0.25, true,
            true,         true,         false, true, true, 2,    false};
  if (label == "bridge")
    return {{2, 2, 6, 4}, {1, 1, 3, 4}, 0.6,  0.0,  0.0,   0.1, false,
            false,        true,         true, true, false, 3,   false};
  if (label == "breakdown")
    return {{3, 5, 6, 0}, {3, 4, 2, 5}, 0.4,   0.0,  0.0,   0.0, false,
            false,        false,        false, true, false, 0,   false};
  if (label == "intro")
    return {{0, 5, 3, 4}, {0, 4, 5, 3}, 0.5,   0.0,  0.0,   0.12, true,
            false,        false,        false, true, false, 0,    false};
  if (label == "outro")
    return {{3, 5, 6, 0}, {3, 4, 2, 5}, 0.7,   0.8,  0.0,   0.12, false,
            false,        true,         false, true, false, 0,    true};
  if (label == "prechorus")
    return {{0, 5, 3, 4}, {0, 4, 5, 3}, 0.72, 0.8,  0.6,   0.16, true,
            false,        true,         true, true, false, 1,    false};
  // verse (and anything else)
  return {{0, 5, 3, 4}, {0, 4, 5, 3}, 0.6,   0.75, 0.45,  0.12, false,
          false,        true,         false, true, false, 1,    false};
}

std::uint64_t label_hash(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

Stems render_song_stems(const TrackSpec& spec) {
  int total_bars = 0;
  for (const auto& s : spec.sections) total_bars += s.bars;
  const double beat = 60.0 / spec.bpm;
  const double seconds = spec.lead_in + total_bars * 4 * beat + 1.5;
  const auto frames = static_cast<std::size_t>(std::llround(seconds * spec.rate));
  Stems st;
  for (Audio* a : {&st.drums, &st.bass, &st.chords, &st.lead}) {
    a->rate = spec.rate;
    a->channels = 2;
    a->samples.assign(frames * 2, 0.0f);
  }
  auto at = [&](double t) { return static_cast<std::size_t>(std::llround(t * spec.rate)); };
  // Melodies: scale steps above the bar's chord root per eighth note (-1 rests), per bar of
  // the 4-bar cycle.
  static const int verse_mel[4][8] = {{0, -1, 2, -1, 4, -1, 2, -1},
                                      {0, -1, 2, -1, 4, -1, 2, -1},
                                      {4, -1, 2, -1, 0, -1, 2, -1},
                                      {2, -1, 0, -1, -1, -1, -1, -1}};
  static const int chorus_mel[4][8] = {{4, 4, 5, 4, 2, -1, 0, 2},
                                       {7, 7, 6, 4, 5, -1, 4, 2},
                                       {4, 5, 7, 9, 7, -1, 5, 4},
                                       {2, 2, 4, 2, 0, -1, -1, -1}};
  static const int bridge_mel[4][8] = {{0, -1, -1, -1, 4, -1, -1, -1},
                                       {2, -1, -1, -1, 6, -1, -1, -1},
                                       {4, -1, -1, -1, 2, -1, -1, -1},
                                       {7, -1, -1, -1, -1, -1, -1, -1}};
  double section_t = spec.lead_in;
  for (const auto& section : spec.sections) {
    const Key& key = section.key ? *section.key : spec.key;
    SongPart P = song_part(section.label);
    if (spec.shared_loop && (section.label == "verse" || section.label == "prechorus")) {
      // One loop under verse, pre-chorus and chorus: only the arrangement changes.
      const SongPart chorus = song_part("chorus");
      std::copy(std::begin(chorus.prog_minor), std::end(chorus.prog_minor), P.prog_minor);
      std::copy(std::begin(chorus.prog_major), std::end(chorus.prog_major), P.prog_major);
      if (section.label == "verse") P.level = 0.72;  // about 3 dB under the chorus
    }
    const int* prog = key.minor ? P.prog_minor : P.prog_major;
    const double tonic_bass = 36 + key.tonic;
    for (int b = 0; b < section.bars; ++b) {
      const double bar_t = section_t + b * 4 * beat;
      const int cyc = b % 4;
      const int chord_degree = prog[cyc];
      const double g = P.level * (P.fade ? 1.0 - static_cast<double>(b) / section.bars : 1.0);
      // Noise seeded by what is played, not by the position in the song: repeats are equal.
      Rng rng(spec.seed * 1000003ull + label_hash(section.label) + static_cast<std::uint64_t>(cyc));
      for (int q = 0; q < 4; ++q) {
        const double t = bar_t + q * beat;
        if (P.kick > 0) {
          const double amp = g * P.kick * (q == 0 ? 1.0 : 0.85);
          add_event(st.drums, at(t), at(0.35), 0.0, [amp](double x) {
            const double f = 50.0 + 100.0 * std::exp(-x * 30.0);
            return amp * std::exp(-x * 9.0) * std::sin(kTwoPi * f * x);
          });
        }
        if (P.snare > 0 && (q == 1 || q == 3)) {
          std::vector<double> noise(static_cast<std::size_t>(at(0.2)));
          for (auto& v : noise) v = rng.uniform();
          const double amp = g * P.snare;
          add_event(st.drums, at(t), noise.size(), 0.1, [&](double x) {
            const auto i = static_cast<std::size_t>(x * spec.rate);
            return amp * std::exp(-x * 22.0) *
                   (0.35 * noise[std::min(i, noise.size() - 1)] +
                    0.3 * std::sin(kTwoPi * 190.0 * x));
          });
        }
        if (P.hats > 0) {
          for (int h = P.eighth_hats ? 0 : 1; h < 2; ++h) {
            std::vector<double> noise(static_cast<std::size_t>(at(0.05)) + 1);
            double prev = 0;
            for (auto& v : noise) {
              double w = rng.uniform();
              v = w - prev;
              prev = w;
            }
            const double amp = g * P.hats * (h == 1 ? 1.0 : 0.6);
            add_event(st.drums, at(t + h * beat / 2), noise.size(), -0.3, [&](double x) {
              const auto i = static_cast<std::size_t>(x * spec.rate);
              return amp * std::exp(-x * 60.0) * noise[std::min(i, noise.size() - 1)];
            });
          }
        }
        if (P.bass && !P.sustained_bass) {
          for (int e = 0; e < 2; ++e) {
            const double f =
                midi_to_hz(tonic_bass + degree_semitones(key, chord_degree) + (e == 1 ? 12 : 0));
            const double amp = g * 0.45;
            add_event(st.bass, at(t + e * beat / 2), at(beat / 2 * 0.9), 0.0, [f, amp](double x) {
              const double env = std::min(1.0, x * 200.0) * std::exp(-x * 3.0);
              return amp * env *
                     (std::sin(kTwoPi * f * x) + 0.3 * std::sin(2 * kTwoPi * f * x) +
                      0.12 * std::sin(3 * kTwoPi * f * x));
            });
          }
        }
      }
      if (P.crash && cyc == 0) {
        std::vector<double> noise(static_cast<std::size_t>(at(1.5)));
        for (auto& v : noise) v = rng.uniform();
        const double amp = g * 0.12;
        add_event(st.drums, at(bar_t), noise.size(), 0.3, [&](double x) {
          const auto i = static_cast<std::size_t>(x * spec.rate);
          return amp * std::exp(-x * 2.5) * noise[std::min(i, noise.size() - 1)];
        });
      }
      if (P.bass && P.sustained_bass) {
        const double f = midi_to_hz(tonic_bass + degree_semitones(key, chord_degree));
        const double amp = g * 0.4;
        add_event(st.bass, at(bar_t), at(4 * beat), 0.0, [f, amp, beat](double x) {
          const double env = std::min(1.0, x * 40.0) * std::min(1.0, (4 * beat - x) * 20.0);
          return amp * env * (std::sin(kTwoPi * f * x) + 0.2 * std::sin(2 * kTwoPi * f * x));
        });
      }
      if (P.chords) {
        for (int v = 0; v < (P.octave_chords ? 4 : 3); ++v) {
          const int semis = v == 3 ? chord_tone_semitones(key, chord_degree, 0) + 12
                                   : chord_tone_semitones(key, chord_degree, 2 * v);
          const double f = midi_to_hz(60 + key.tonic + semis);
          const double pan = (v - 1) * 0.4;
          const double amp = g * 0.12;
          add_event(st.chords, at(bar_t), at(4 * beat), pan, [f, beat, amp](double x) {
            const double env = std::min(1.0, x * 20.0) * std::min(1.0, (4 * beat - x) * 20.0);
            return amp * env * (std::sin(kTwoPi * f * x) + 0.25 * std::sin(2 * kTwoPi * f * x));
          });
        }
      }
      if (P.melody > 0) {
        const int(*mel)[8] = P.melody == 1 ? verse_mel : P.melody == 2 ? chorus_mel : bridge_mel;
        for (int s = 0; s < 8; ++s) {
          const int step = mel[cyc][s];
          if (step < 0) continue;
          int len = 1;  // held through the rests that follow
          while (s + len < 8 && mel[cyc][s + len] < 0) ++len;
          const double dur = len * beat / 2 * 0.9;
          const double f =
              midi_to_hz(72 + key.tonic + chord_tone_semitones(key, chord_degree, step));
          const int kind = P.melody;
          const double amp = g * (kind == 2 ? 0.22 : 0.15);
          add_event(
              st.lead, at(bar_t + s * beat / 2), at(dur), 0.25, [f, amp, kind, dur](double x) {
                const double env = std::min(1.0, x * 100.0) * std::min(1.0, (dur - x) * 30.0);
                if (kind == 2)  // bright FM lead, doubled an octave down
                  return amp * env * std::exp(-x * 2.0) *
                         (std::sin(kTwoPi * f * x + 0.8 * std::sin(kTwoPi * 2 * f * x)) +
                          0.5 * std::sin(kTwoPi * f / 2 * x));
                if (kind == 3)  // slow vibrato flute
                  return amp * env * std::sin(kTwoPi * f * x + 0.3 * std::sin(kTwoPi * 5 * x));
                return amp * env * std::exp(-x * 4.0) *
                       (std::sin(kTwoPi * f * x) + 0.3 * std::sin(kTwoPi * 3 * f * x));
              });
        }
      }
    }
    section_t += section.bars * 4 * beat;
  }
  return st;
}

}  // namespace

std::vector<float> mono(const Audio& stereo) {
  std::vector<float> m(stereo.frames());
  for (std::size_t i = 0; i < m.size(); ++i)
    m[i] = 0.5f * (stereo.samples[2 * i] + stereo.samples[2 * i + 1]);
  return m;
}

Audio sine(double freq, double seconds, int rate, int channels, double amp) {
  Audio a;
  a.rate = rate;
  a.channels = channels;
  const auto n = static_cast<std::size_t>(std::llround(seconds * rate));
  a.samples.resize(n * static_cast<std::size_t>(channels));
  for (std::size_t i = 0; i < n; ++i) {
    const float v =
        static_cast<float>(amp * std::sin(kTwoPi * freq * static_cast<double>(i) / rate));
    for (int c = 0; c < channels; ++c)
      a.samples[i * static_cast<std::size_t>(channels) + static_cast<std::size_t>(c)] = v;
  }
  return a;
}

Audio white_noise(double seconds, int rate, int channels, double amp, std::uint64_t seed) {
  Audio a;
  a.rate = rate;
  a.channels = channels;
  Rng rng(seed);
  a.samples.resize(static_cast<std::size_t>(std::llround(seconds * rate)) *
                   static_cast<std::size_t>(channels));
  for (float& s : a.samples) s = static_cast<float>(amp * rng.uniform());
  return a;
}

Audio clicks(double bpm, double seconds, int rate, double offset, double amp) {
  Audio a;
  a.rate = rate;
  a.channels = 1;
  a.samples.assign(static_cast<std::size_t>(std::llround(seconds * rate)), 0.0f);
  const double period = 60.0 / bpm;
  const auto len = static_cast<std::size_t>(0.01 * rate);
  for (double t = offset; t < seconds; t += period) {
    const auto start = static_cast<std::size_t>(std::llround(t * rate));
    for (std::size_t i = 0; i < len && start + i < a.samples.size(); ++i) {
      const double x = static_cast<double>(i) / rate;
      a.samples[start + i] +=
          static_cast<float>(amp * std::exp(-x * 600.0) * std::sin(kTwoPi * 2000.0 * x));
    }
  }
  return a;
}

Audio pad(const Key& key, double seconds, int rate, double chord_seconds) {
  Audio a;
  a.rate = rate;
  a.channels = 1;
  a.samples.assign(static_cast<std::size_t>(std::llround(seconds * rate)), 0.0f);
  const int prog_minor[4] = {0, 5, 3, 4}, prog_major[4] = {0, 4, 5, 3};
  const int* prog = key.minor ? prog_minor : prog_major;
  // Chords start every half chord length and swell in and out (sin^2): always two
  // overlapping, never an attack.
  const double step = chord_seconds / 2;
  for (int c = 0; c * step < seconds; ++c) {
    const double start = (c - 1) * step;
    for (int v = 0; v < 4; ++v) {
      const int semis = v == 3 ? 12 : chord_tone_semitones(key, prog[c % 4], 2 * v);
      const double f = midi_to_hz(48 + key.tonic + semis);
      const auto from = static_cast<std::size_t>(std::max(0.0, start * rate));
      const auto to =
          std::min(a.samples.size(), static_cast<std::size_t>((start + chord_seconds) * rate));
      for (std::size_t i = from; i < to; ++i) {
        const double t = static_cast<double>(i) / rate;
        const double x = t - start;
        if (x <= 0 || x >= chord_seconds) continue;
        const double env = std::pow(std::sin(kTwoPi / 2 * x / chord_seconds), 2);
        a.samples[i] += static_cast<float>(
            0.08 * env * (std::sin(kTwoPi * f * t) + 0.2 * std::sin(2 * kTwoPi * f * t)));
      }
    }
  }
  return a;
}

Audio babble(double seconds, int rate, std::uint64_t seed) {
  Audio a;
  a.rate = rate;
  a.channels = 1;
  const auto n = static_cast<std::size_t>(std::llround(seconds * rate));
  a.samples.assign(n, 0.0f);
  Rng rng(seed);
  auto uni = [&](double lo, double hi) { return lo + (hi - lo) * 0.5 * (rng.uniform() + 1.0); };
  double t = uni(0.05, 0.3);
  while (t < seconds) {
    const double len = uni(0.08, 0.32);
    const double f0 = uni(95, 210), glide = uni(-0.25, 0.15);
    const double f1 = uni(300, 800), f2 = uni(900, 2400);
    const bool fricative = rng.uniform() > 0.2;  // about 40 % start with a consonant burst
    const double burst = fricative ? uni(0.03, 0.08) : 0.0;
    const auto start = static_cast<std::size_t>(t * rate);
    const auto count = static_cast<std::size_t>((len + burst) * rate);
    double phase = 0;
    for (std::size_t i = 0; i < count && start + i < n; ++i) {
      const double x = static_cast<double>(i) / rate;
      double v = 0;
      if (x < burst) {
        v = 0.08 * rng.uniform() * std::sin(kTwoPi / 2 * x / burst);
      } else {
        const double y = x - burst;
        const double f = f0 * (1 + glide * y / len);
        phase += kTwoPi * f / rate;
        // Harmonics weighted by two formant bumps: a crude vowel.
        for (int h = 1; h * f < 4000; ++h) {
          const double fh = h * f;
          const double w = std::exp(-std::pow((fh - f1) / 120, 2)) +
                           0.6 * std::exp(-std::pow((fh - f2) / 200, 2)) + 0.02;
          v += w * std::sin(h * phase) / h;
        }
        // Smooth rise and fall (25 ms / 40 ms): syllables swell, they do not click.
        v *= 0.25 * std::min(1.0, y / 0.025) * std::min(1.0, (len - y) / 0.04);
      }
      a.samples[start + i] += static_cast<float>(v);
    }
    t += len + burst + (rng.uniform() > 0.6 ? uni(0.2, 0.7) : uni(0.03, 0.1));
  }
  return a;
}

Groove parse_groove(const std::string& text) {
  if (text == "four" || text == "four-on-the-floor" || text == "4x4")
    return Groove::four_on_the_floor;
  if (text == "breakbeat" || text == "break") return Groove::breakbeat;
  if (text == "half-time" || text == "halftime") return Groove::half_time;
  throw std::invalid_argument("unknown groove: " + text +
                              " (four-on-the-floor, breakbeat, half-time)");
}

std::string groove_name(Groove g) {
  switch (g) {
    case Groove::four_on_the_floor:
      return "four-on-the-floor";
    case Groove::breakbeat:
      return "breakbeat";
    case Groove::half_time:
      return "half-time";
  }
  return "?";
}

std::string Key::name() const {
  static const char* names[12] = {"C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"};
  return std::string(names[((tonic % 12) + 12) % 12]) + (minor ? " minor" : " major");
}

Key parse_key(const std::string& text) {
  if (text.empty()) throw std::invalid_argument("empty key");
  static const int base[7] = {9, 11, 0, 2, 4, 5, 7};  // A B C D E F G
  char letter = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
  if (letter < 'A' || letter > 'G') throw std::invalid_argument("bad key: " + text);
  Key k;
  k.tonic = base[letter - 'A'];
  std::size_t i = 1;
  if (i < text.size() && (text[i] == '#' || text[i] == 'b')) {
    k.tonic += text[i] == '#' ? 1 : -1;
    ++i;
  }
  k.tonic = (k.tonic + 12) % 12;
  std::string rest = text.substr(i);
  rest.erase(std::remove(rest.begin(), rest.end(), ' '), rest.end());
  if (rest == "m" || rest == "min" || rest == "minor") {
    k.minor = true;
  } else if (rest.empty() || rest == "maj" || rest == "major" || rest == "M") {
    k.minor = false;
  } else {
    throw std::invalid_argument("bad key: " + text);
  }
  return k;
}

std::vector<Section> parse_sections(const std::string& text) {
  std::vector<Section> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto colon = item.find(':');
    if (colon == std::string::npos)
      throw std::invalid_argument("section needs label:bars: " + item);
    const auto key_colon = item.find(':', colon + 1);
    const auto at_sign = item.find('@', colon);
    const auto bars_end = std::min(at_sign, key_colon);
    Section s{item.substr(0, colon), std::stoi(item.substr(colon + 1, bars_end - colon - 1))};
    if (key_colon != std::string::npos) s.key = parse_key(item.substr(key_colon + 1));
    if (s.bars <= 0 || s.bars > 1000) throw std::invalid_argument("bad bar count: " + item);
    if (at_sign != std::string::npos) {
      s.bpm = std::stod(item.substr(at_sign + 1, key_colon == std::string::npos
                                                     ? std::string::npos
                                                     : key_colon - at_sign - 1));
      if (!(s.bpm >= 40 && s.bpm <= 300)) throw std::invalid_argument("bad section bpm: " + item);
    }
    out.push_back(s);
  }
  if (out.empty()) throw std::invalid_argument("no sections");
  return out;
}

Stems render_stems(const TrackSpec& spec) {
  if (spec.song) return render_song_stems(spec);
  int total_bars = 0;
  for (const auto& s : spec.sections) total_bars += s.bars;
  const double track_beat = 60.0 / spec.bpm;
  // Sections with their own tempo: bar times accumulate section by section. Without any,
  // the original single-tempo arithmetic is kept, so those tracks stay bit-identical.
  const bool varying = tempo_varies(spec);
  double seconds = spec.lead_in + total_bars * 4 * track_beat + 1.0;  // 1 s tail for decays
  if (varying) {
    seconds = spec.lead_in + 1.0;
    for (const auto& s : spec.sections) seconds += s.bars * 4 * section_beat(spec, s);
  }
  const auto frames = static_cast<std::size_t>(std::llround(seconds * spec.rate));
  Stems st;
  for (Audio* a : {&st.drums, &st.bass, &st.chords, &st.lead}) {
    a->rate = spec.rate;
    a->channels = 2;
    a->samples.assign(frames * 2, 0.0f);
  }
  Rng rng(spec.seed);
  auto at = [&](double t) { return static_cast<std::size_t>(std::llround(t * spec.rate)); };
  // i - VI - iv - V in minor (V with the raised leading tone, so the key is unmistakably
  // minor rather than its relative major), I - V - vi - IV in major (scale degrees, 0-based).
  const int prog_minor[4] = {0, 5, 3, 4};
  const int prog_major[4] = {0, 4, 5, 3};
  int bar_index = 0;
  double section_t = spec.lead_in;
  for (const auto& section : spec.sections) {
    const Key& key = section.key ? *section.key : spec.key;
    const int* prog = key.minor ? prog_minor : prog_major;
    const double tonic_midi = 36 + key.tonic;  // bass octave
    const Layers L = layers_for(section.label);
    const double beat = varying ? section_beat(spec, section) : track_beat;
    for (int b = 0; b < section.bars; ++b, ++bar_index) {
      const double bar_t = varying ? section_t + b * 4 * beat : spec.lead_in + bar_index * 4 * beat;
      const int chord_degree = prog[bar_index % 4];
      for (int q = 0; q < 4; ++q) {
        const double t = bar_t + q * beat;
        if (L.kick) {
          // Downbeats get a slightly stronger kick: a real but subtle accent.
          for (double k : kick_offsets(spec.groove, q)) {
            const double amp = q == 0 && k == 0.0 ? 0.95 : 0.8;
            add_event(st.drums, at(t + k * beat), at(0.35), 0.0, [amp](double x) {
              const double f = 50.0 + 100.0 * std::exp(-x * 30.0);
              return amp * std::exp(-x * 9.0) * std::sin(kTwoPi * f * x);
            });
          }
        }
        if (L.snare && snare_on(spec.groove, q)) {
          std::vector<double> noise(static_cast<std::size_t>(at(0.2)));
          for (auto& v : noise) v = rng.uniform();
          add_event(st.drums, at(t), noise.size(), 0.1, [&](double x) {
            const auto i = static_cast<std::size_t>(x * spec.rate);
            return std::exp(-x * 22.0) * (0.35 * noise[std::min(i, noise.size() - 1)] +
                                          0.3 * std::sin(kTwoPi * 190.0 * x));
          });
        }
        if (L.hats) {
          // Off-beat hats in every groove; the broken grooves add a softer one on the beat.
          const bool eighths = spec.groove != Groove::four_on_the_floor;
          for (int h = eighths ? 0 : 1; h < 2; ++h) {
            std::vector<double> noise(static_cast<std::size_t>(at(0.05)) + 1);
            double prev = 0;
            for (auto& v : noise) {  // first difference: a crude high-pass
              double w = rng.uniform();
              v = w - prev;
              prev = w;
            }
            const double amp = h == 1 ? 0.18 : 0.1;
            add_event(st.drums, at(t + h * beat / 2), noise.size(), -0.3, [&](double x) {
              const auto i = static_cast<std::size_t>(x * spec.rate);
              return amp * std::exp(-x * 60.0) * noise[std::min(i, noise.size() - 1)];
            });
          }
        }
        if (L.bass) {
          for (int e = 0; e < 2; ++e) {
            const double note =
                tonic_midi + degree_semitones(key, chord_degree) + (e == 1 ? 12 : 0);
            const double f = midi_to_hz(note);
            add_event(st.bass, at(t + e * beat / 2), at(beat / 2 * 0.9), 0.0, [f](double x) {
              const double env = std::min(1.0, x * 200.0) * std::exp(-x * 3.0);
              return 0.45 * env *
                     (std::sin(kTwoPi * f * x) + 0.3 * std::sin(2 * kTwoPi * f * x) +
                      0.12 * std::sin(3 * kTwoPi * f * x));
            });
          }
        }
      }
      if (L.chords) {
        for (int v = 0; v < 3; ++v) {
          const double note = 60 + key.tonic + chord_tone_semitones(key, chord_degree, 2 * v);
          const double f = midi_to_hz(note);
          const double pan = (v - 1) * 0.4;
          add_event(st.chords, at(bar_t), at(4 * beat), pan, [f, beat](double x) {
            const double env = std::min(1.0, x * 20.0) * std::min(1.0, (4 * beat - x) * 20.0);
            return 0.12 * env * (std::sin(kTwoPi * f * x) + 0.25 * std::sin(2 * kTwoPi * f * x));
          });
        }
      }
      if (L.lead) {
        static const int pattern[8] = {0, 2, 4, 7, 4, 2, 4, 6};
        for (int s = 0; s < 8; ++s) {
          const double note = 72 + key.tonic + chord_tone_semitones(key, chord_degree, pattern[s]);
          const double f = midi_to_hz(note);
          add_event(st.lead, at(bar_t + s * beat / 2), at(beat / 2 * 0.8), 0.25, [f](double x) {
            const double env = std::min(1.0, x * 300.0) * std::exp(-x * 6.0);
            return 0.2 * env * std::sin(kTwoPi * f * x + 0.8 * std::sin(kTwoPi * 2 * f * x));
          });
        }
      }
    }
    section_t += section.bars * 4 * beat;
  }
  return st;
}

std::vector<Section> default_song_sections() {
  return parse_sections(
      "intro:4,verse:8,chorus:8,verse:8,chorus:8,bridge:8,chorus:8,chorus:8,outro:4");
}

Audio applause(double seconds, int rate, std::uint64_t seed) {
  Audio a;
  a.rate = rate;
  a.channels = 2;
  const auto n = static_cast<std::size_t>(std::llround(seconds * rate));
  a.samples.assign(2 * n, 0.0f);
  Rng rng(seed * 7 + 3);
  auto uni = [&](double lo, double hi) { return lo + (hi - lo) * 0.5 * (rng.uniform() + 1.0); };
  auto swell = [&](double t) {
    return std::min({1.0, t / 0.6, std::max(0.0, (seconds - t) / 1.5)});
  };
  // A bed of broadband noise (many distant hands) ...
  for (std::size_t i = 0; i < n; ++i) {
    const double e = 0.05 * swell(static_cast<double>(i) / rate);
    a.samples[2 * i] += static_cast<float>(e * rng.uniform());
    a.samples[2 * i + 1] += static_cast<float>(e * rng.uniform());
  }
  // ... and about 40 near claps a second at random times, each a 12 ms noise burst.
  for (double t = uni(0, 0.03); t < seconds; t += uni(0.005, 0.045)) {
    const auto start = static_cast<std::size_t>(t * rate);
    const double amp = uni(0.05, 0.25) * swell(t), pan = rng.uniform();
    const double l = std::sqrt(0.5 * (1 - pan)), r = std::sqrt(0.5 * (1 + pan));
    double prev = 0;
    for (std::size_t i = 0; i < static_cast<std::size_t>(0.012 * rate) && start + i < n; ++i) {
      const double w = rng.uniform(),
                   v = amp * (w - 0.5 * prev) * std::exp(-static_cast<double>(i) / (0.003 * rate));
      prev = w;
      a.samples[2 * (start + i)] += static_cast<float>(v * l);
      a.samples[2 * (start + i) + 1] += static_cast<float>(v * r);
    }
  }
  return a;
}

Concert render_concert(const std::vector<TrackSpec>& songs, double gap_seconds, int rate) {
  Concert c;
  c.audio.rate = rate;
  c.audio.channels = 2;
  audio::Json song_list = audio::Json::array(), gaps = audio::Json::array();
  auto now = [&] { return static_cast<double>(c.audio.frames()) / rate; };
  auto append = [&](const Audio& a, double gain) {
    if (a.channels == 2) {
      for (float v : a.samples) c.audio.samples.push_back(static_cast<float>(v * gain));
    } else {
      for (float v : a.samples) {
        c.audio.samples.push_back(static_cast<float>(v * gain));
        c.audio.samples.push_back(static_cast<float>(v * gain));
      }
    }
  };
  for (std::size_t k = 0; k < songs.size(); ++k) {
    TrackSpec spec = songs[k];
    spec.rate = rate;
    spec.song = true;
    const double start = now();
    append(render_track(spec), 1.0);
    audio::Json t = truth(spec, now() - start);
    audio::Json secs = audio::Json::array();
    for (auto sec : t["sections"]) {
      sec["start"] = audio::round_to(sec["start"].get<double>() + start, 6);
      sec["end"] = audio::round_to(sec["end"].get<double>() + start, 6);
      secs.push_back(sec);
    }
    song_list.push_back({{"start", audio::round_to(start, 6)},
                         {"end", audio::round_to(now(), 6)},
                         {"bpm", spec.bpm},
                         {"key", spec.key.name()},
                         {"sections", secs}});
    // Applause after every song; talk before the next one.
    const double clap = k + 1 < songs.size() ? gap_seconds / 2 : gap_seconds;
    double g0 = now();
    append(applause(clap, rate, spec.seed + k), 1.0);
    gaps.push_back({{"start", audio::round_to(g0, 6)},
                    {"end", audio::round_to(now(), 6)},
                    {"kind", "applause"}});
    if (k + 1 < songs.size()) {
      g0 = now();
      append(babble(gap_seconds / 2, rate, spec.seed + k), 0.7);
      gaps.push_back({{"start", audio::round_to(g0, 6)},
                      {"end", audio::round_to(now(), 6)},
                      {"kind", "talk"}});
    }
  }
  c.truth["schema"] = "synth.concert/1";
  c.truth["duration"] = audio::round_to(now(), 6);
  c.truth["songs"] = song_list;
  c.truth["gaps"] = gaps;
  return c;
}

Audio render_track(const TrackSpec& spec) {
  Stems st = render_stems(spec);
  Audio out = st.drums;
  for (std::size_t i = 0; i < out.samples.size(); ++i) {
    out.samples[i] = 0.5f * (st.drums.samples[i] + st.bass.samples[i] + st.chords.samples[i] +
                             st.lead.samples[i]);
  }
  return out;
}

audio::Json truth(const TrackSpec& spec, double duration) {
  const double track_beat = 60.0 / spec.bpm;
  const bool varying = tempo_varies(spec);
  audio::Json j;
  j["schema"] = "synth.truth/1";
  j["bpm"] = spec.bpm;
  j["groove"] = groove_name(spec.groove);
  j["key"] = spec.key.name();
  j["lead_in"] = spec.lead_in;
  if (spec.song) j["form"] = "song";
  if (spec.song && spec.shared_loop) j["shared_loop"] = true;
  j["duration"] = audio::round_to(duration, 6);
  audio::Json beats = audio::Json::array(), downbeats = audio::Json::array(),
              sections = audio::Json::array(), segments = audio::Json::array();
  int bar = 0;
  double section_t = spec.lead_in;
  for (const auto& s : spec.sections) {
    const double beat = varying ? section_beat(spec, s) : track_beat;
    const double start = varying ? section_t : spec.lead_in + bar * 4 * beat;
    audio::Json sec = {{"label", s.label},
                       {"start", audio::round_to(start, 6)},
                       {"end", audio::round_to(start + s.bars * 4 * beat, 6)},
                       {"bars", s.bars}};
    if (varying) {
      sec["bpm"] = 60.0 / beat;
      if (segments.empty() || segments.back()["bpm"].get<double>() != 60.0 / beat)
        segments.push_back({{"start", audio::round_to(start, 6)}, {"bpm", 60.0 / beat}});
    }
    if (s.key) sec["key"] = s.key->name();
    sections.push_back(sec);
    for (int b = 0; b < s.bars; ++b, ++bar) {
      for (int q = 0; q < 4; ++q) {
        const double t =
            varying ? section_t + (b * 4 + q) * beat : spec.lead_in + (bar * 4 + q) * beat;
        beats.push_back(audio::round_to(t, 6));
        if (q == 0) downbeats.push_back(audio::round_to(t, 6));
      }
    }
    section_t += s.bars * 4 * beat;
  }
  j["beats"] = beats;
  j["downbeats"] = downbeats;
  j["sections"] = sections;
  if (varying) j["tempo_segments"] = segments;
  return j;
}

}  // namespace synth
