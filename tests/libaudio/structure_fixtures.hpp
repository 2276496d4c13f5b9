// Synth tracks with known sections analysed up to cues, for the energy, phrases and cues
// tests (22050 Hz mono, as djb-analyze feeds the analysers).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "libaudio/cues.hpp"
#include "libaudio/energy.hpp"
#include "libaudio/phrases.hpp"
#include "libaudio/rhythm.hpp"
#include "rhythm_fixtures.hpp"
#include "synth/synth.hpp"

namespace structure_fixtures {

struct Analysis {
  audio::OnsetFeatures features;
  audio::Rhythm rhythm;
  audio::EnergyCurve energy;
  audio::Phrases phrases;
  std::vector<audio::Cue> cues;
  const audio::Cue& cue(const std::string& name) const {
    for (const audio::Cue& c : cues)
      if (c.name == name) return c;
    throw std::out_of_range(name);
  }
};

inline Analysis analyse(const std::vector<float>& mono) {
  Analysis a;
  a.features = rhythm_fixtures::features(mono);
  a.rhythm = audio::analyze_rhythm(a.features);
  a.energy = audio::analyze_energy(a.features, audio::bar_grid(a.features, a.rhythm));
  a.phrases = audio::analyze_phrases(a.features, a.energy);
  a.cues = audio::find_cues(a.features, a.rhythm, a.energy, a.phrases);
  return a;
}

inline synth::TrackSpec spec(const std::string& sections, double bpm = 128, double lead_in = 0) {
  synth::TrackSpec s;
  s.bpm = bpm;
  s.sections = synth::parse_sections(sections);
  s.lead_in = lead_in;
  return s;
}

// Start times of the sections, seconds (constant tempo).
inline std::vector<double> section_starts(const synth::TrackSpec& s) {
  std::vector<double> out;
  double t = s.lead_in;
  for (const synth::Section& sec : s.sections) {
    out.push_back(t);
    t += sec.bars * 4 * 60.0 / s.bpm;
  }
  return out;
}

}  // namespace structure_fixtures
