#include "libmix/low_end_meter.hpp"

#include <algorithm>
#include <cmath>

namespace mix {

LowEndMeter::LowEndMeter(const MixPlan& plan, const Timeline& tl) : tl_(tl) {
  const double rate = tl.sample_rate;
  const std::size_t nt = tl.tracks.size(), nx = tl.transitions.size();
  out_.resize(nx);
  in_.resize(nx);
  for (std::size_t k = 0; k < nx; ++k) {
    const double bpm = k < plan.transitions.size() ? plan.transitions[k].target_bpm : 0;
    bar_frames_.push_back(bpm > 0 ? 4 * 60.0 / bpm * rate : 2.0 * rate);
    const auto bars = static_cast<std::size_t>(
        std::ceil(static_cast<double>(tl.transitions[k].frames) / bar_frames_.back()));
    for (Side* s : {&out_[k], &in_[k]}) s->energy.assign(bars, 0.0), s->frames.assign(bars, 0.0);
  }
  solo_energy_.assign(nt, 0.0);
  solo_frames_.assign(nt, 0.0);
  // Two Butterworth sections with Q 0.541 and 1.307: a 4th-order Butterworth low-pass.
  for (std::size_t i = 0; i < nt; ++i) {
    stage1_.emplace_back(1);
    stage2_.emplace_back(1);
    stage1_.back().set(design_biquad(FilterType::low_pass, rate, kCutoffHz, 0, 0.54119610));
    stage2_.back().set(design_biquad(FilterType::low_pass, rate, kCutoffHz, 0, 1.30656296));
  }
}

void LowEndMeter::add(std::size_t track, std::int64_t at, const float* x, std::int64_t n) {
  if (n <= 0) return;
  mono_.resize(static_cast<std::size_t>(n));
  for (std::int64_t j = 0; j < n; ++j) mono_[j] = 0.5f * (x[2 * j] + x[2 * j + 1]);
  stage1_[track].process(mono_.data(), static_cast<std::size_t>(n));
  stage2_[track].process(mono_.data(), static_cast<std::size_t>(n));
  const TrackLayout& lay = tl_.tracks[track];
  // A frame belongs to the track's solo part, its incoming overlap (transition track - 1,
  // side B) or its outgoing one (transition track, side A).
  auto side_of = [&](std::int64_t f, std::size_t& k, bool& incoming) {
    if (track > 0) {
      const TransitionLayout& t = tl_.transitions[track - 1];
      if (f >= t.start && f < t.start + t.frames) return k = track - 1, incoming = true, true;
    }
    if (track < tl_.transitions.size()) {
      const TransitionLayout& t = tl_.transitions[track];
      if (f >= t.start && f < t.start + t.frames) return k = track, incoming = false, true;
    }
    return false;
  };
  for (std::int64_t j = 0; j < n; ++j) {
    const std::int64_t f = at + j;
    const double e = static_cast<double>(mono_[j]) * mono_[j];
    std::size_t k = 0;
    bool incoming = false;
    if (f >= lay.solo_begin && f < lay.solo_end) {
      solo_energy_[track] += e;
      solo_frames_[track] += 1;
    } else if (side_of(f, k, incoming)) {
      Side& s = incoming ? in_[k] : out_[k];
      const auto bar = static_cast<std::size_t>(static_cast<double>(f - tl_.transitions[k].start) /
                                                bar_frames_[k]);
      if (bar < s.energy.size()) s.energy[bar] += e, s.frames[bar] += 1;
    }
  }
}

std::vector<LowEndClash> LowEndMeter::clashes() const {
  std::vector<LowEndClash> out;
  auto solo_ms = [&](std::size_t t) {
    return solo_frames_[t] > 0 ? solo_energy_[t] / solo_frames_[t] : 0.0;
  };
  const double audible = std::pow(10.0, kAudibleDb / 10.0);
  for (std::size_t k = 0; k < out_.size(); ++k) {
    LowEndClash c;
    for (std::size_t b = 0; b < out_[k].energy.size(); ++b) {
      const double fa = out_[k].frames[b], fb = in_[k].frames[b];
      if (std::max(fa, fb) < 0.5 * bar_frames_[k]) continue;  // a short last bar
      const double a = fa > 0 ? out_[k].energy[b] / fa : 0.0;
      const double bb = fb > 0 ? in_[k].energy[b] / fb : 0.0;
      ++c.bars;
      const bool a_louder = a >= bb;
      const double loud = std::max(a, bb), ref = solo_ms(a_louder ? k : k + 1);
      double db = 0;
      if (loud > 0 && loud >= audible * ref)
        db = 20 * std::log10((std::sqrt(a) + std::sqrt(bb)) / std::sqrt(loud));
      c.bar_clash_db.push_back(db);
      c.max_clash_db = std::max(c.max_clash_db, db);
      if (db > kClashDb) ++c.clash_bars;
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace mix
