// eval-structure [--verbose]: accuracy of song structure analysis and highlight picking on a
// corpus of synthesized songs (synth's song form: intro, verses, repeated choruses, bridge
// or breakdown, outro) at tempos from 72 to 160 BPM in several keys and forms; ten songs
// whose verse, pre-chorus and chorus share one chord loop (synth's shared_loop: only the
// arrangement parts them), with a chorus played twice in a row in some; and one synthesized
// concert (songs between applause and talk) for the song split.
//
// Each song is rendered at 22050 Hz, mixed to mono and run through the same steps as
// clip-highlights: onset and timbre features, song split, per-song rhythm, energy and
// structure, then the clip picker for 15 s clips.
//
// Metrics (conventions stated because they change the numbers):
//  - boundaries: the true section starts after the first (the song's start and end are not
//    counted: they are free). F-measure at +-3 s and +-0.5 s, each true boundary matched to
//    at most one estimate; totals pooled over the corpus (sum of hits / sums of counts).
//  - labels: true choruses whose middle an estimated chorus (or climax) holds; and the bars
//    of true verses and choruses whose middle lies in an estimated section of their kind;
//  - chorus clips: the best 15 s clip of each song (clip_picker, one per length); it counts
//    when it lies inside one true chorus (choruses back to back are one), with 0.25 s slack
//    at either end (under a beat at
//    every tempo here: a beat grid a fraction of a beat early must not fail a clip that
//    plays the chorus); the strict count (0.05 s) is printed beside it.
//  - concert: songs found vs true songs, each true song matched by a found song whose start
//    and end are within 5 s.
// Exit status 0 when boundary F(3 s) >= 0.8 and the chorus-clip rate >= 90 % on the first
// set, and on the shared-loop set F(3 s) >= 0.85, clips >= 90 % and bars >= 85 %; else 1.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "libaudio/onset.hpp"
#include "libaudio/song_analysis.hpp"
#include "libaudio/timbre.hpp"
#include "libmix/clip_picker.hpp"
#include "metrics.hpp"
#include "structure_score.hpp"
#include "synth/synth.hpp"

namespace {

struct Corpus {
  double bpm;
  const char* key;
  const char* form;
};

}  // namespace

int main(int argc, char** argv) {
  // eval-structure [--verbose] [BPM [FORM]]: one tempo (and form index) only, for debugging.
  const bool verbose = argc > 1 && std::strcmp(argv[1], "--verbose") == 0;
  const int rest = verbose ? 2 : 1;
  const double only_bpm = argc > rest ? std::atof(argv[rest]) : 0;
  const int only_form = argc > rest + 1 ? std::atoi(argv[rest + 1]) : -1;
  const char* forms[] = {
      "intro:4,verse:8,chorus:8,verse:8,chorus:8,bridge:8,chorus:8,outro:4",
      "intro:8,verse:16,chorus:8,verse:16,chorus:8,bridge:8,chorus:8,outro:8",
      "verse:8,chorus:8,verse:8,chorus:8,breakdown:4,chorus:8,outro:4",
      "intro:4,verse:8,chorus:8,bridge:8,verse:8,chorus:8,outro:8",
  };
  const double tempos[] = {72, 84, 96, 100, 110, 120, 128, 140, 150, 160};
  const char* keys[] = {"C", "Am", "G", "Em", "D", "F#m", "Bb", "Cm", "E", "Dm"};
  // Songs whose verse, pre-chorus and chorus share one chord loop (synth's shared_loop):
  // only the arrangement parts them. One a tempo, the forms in turn.
  const char* shared_forms[] = {
      "intro:8,verse:16,chorus:16,breakdown:8,chorus:16,outro:8",
      "intro:4,verse:8,prechorus:4,chorus:8,chorus:8,verse:8,prechorus:4,chorus:8,outro:4",
  };
  struct Totals {
    int true_b = 0, est_b = 0, hit3 = 0, hit05 = 0, clips = 0, in_chorus = 0, songs = 0;
    int in_chorus_strict = 0, chorus_sections = 0, chorus_labelled = 0, bars = 0, bars_right = 0;
    double f(int hits) const {
      const double p = est_b ? double(hits) / est_b : 0, r = true_b ? double(hits) / true_b : 0;
      return p + r > 0 ? 2 * p * r / (p + r) : 0.0;
    }
  } own, shared;
  auto evaluate = [&](synth::TrackSpec spec, std::string form, const char* key, Totals& tot) {
    // Fast songs play longer choruses, as real ones do: 8 bars at 160 BPM are 12 s.
    if (spec.bpm > 128)
      for (std::size_t p = 0; (p = form.find("chorus:8", p)) != std::string::npos;)
        form.replace(p, 8, "chorus:16");
    spec.sections = synth::parse_sections(form);
    const synth::Audio a = synth::render_track(spec);
    const std::vector<float> mono = synth::mono(a);
    const audio::OnsetFeatures on = audio::onset_features(mono.data(), mono.size());
    const audio::TimbreFeatures tb = audio::timbre_features(mono.data(), mono.size());
    const audio::SongSplit split = audio::split_songs(on, tb);
    if (split.songs.size() != 1) {
      std::printf("%6.1f %-60s split into %zu songs\n", spec.bpm, form.c_str(), split.songs.size());
    }
    const double s0 = split.songs.empty() ? 0 : split.songs.front().start;
    const double s1 = split.songs.empty() ? on.time(double(on.frames())) : split.songs.back().end;
    const audio::SongAnalysis song =
        audio::analyze_song(audio::slice_features(on, s0, s1), audio::slice_features(tb, s0, s1));
    ++tot.songs;
    const audio::Json truth = synth::truth(spec, double(a.frames()) / a.rate);
    std::vector<double> ref, est;
    for (std::size_t k = 1; k < truth["sections"].size(); ++k)
      ref.push_back(truth["sections"][k]["start"].get<double>());
    for (std::size_t k = 1; k < song.structure.sections.size(); ++k)
      est.push_back(song.structure.sections[k].start);
    tot.true_b += int(ref.size());
    tot.est_b += int(est.size());
    const int h3 = evalm::matches(ref, est, 3.0), h05 = evalm::matches(ref, est, 0.5);
    tot.hit3 += h3;
    tot.hit05 += h05;
    // Labels: true choruses whose middle lies in an estimated chorus; verse and chorus bars
    // whose middle lies in an estimated section of their kind.
    auto section_at = [&](double t) -> const audio::StructureSection* {
      for (const auto& es : song.structure.sections)
        if (es.start <= t && t < es.end) return &es;
      return nullptr;
    };
    const evalstruct::BarCount bars = evalstruct::verse_chorus_bars(truth["sections"], section_at);
    tot.bars += bars.bars;
    tot.bars_right += bars.right;
    for (const auto& ts : truth["sections"]) {
      if (ts["label"] != "chorus") continue;
      ++tot.chorus_sections;
      const audio::StructureSection* es =
          section_at(0.5 * (ts["start"].get<double>() + ts["end"].get<double>()));
      if (es && evalstruct::is_chorus(es->label)) ++tot.chorus_labelled;
    }
    const auto passages = evalstruct::chorus_passages(truth["sections"]);
    // The best 15 s clip.
    mix::ClipRequest req;
    req.lengths = {15};
    const mix::ClipPlan plan = mix::pick_clips({song}, split, req);
    std::string where = "none";
    for (const mix::Clip& c : plan.clips) {
      ++tot.clips;
      const bool inside = evalstruct::inside(passages, c.start, c.end, 0.25),
                 strict = evalstruct::inside(passages, c.start, c.end, 0.05);
      tot.in_chorus += inside;
      tot.in_chorus_strict += strict;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.2f-%.2f %s%s", c.start, c.end, c.type.c_str(),
                    inside ? "" : " OUT");
      where = buf;
    }
    std::printf("%6.1f %-4s %-72s bounds %2d/%2zu est %2zu  clip %s\n", spec.bpm, key, form.c_str(),
                h3, ref.size(), est.size(), where.c_str());
    if (verbose) {
      std::printf("        analysed at %.2f BPM, %zu bars\n", song.bpm(),
                  song.structure.bar_starts.size() - (song.structure.bar_starts.empty() ? 0 : 1));
      std::printf("        novelty per bar line:");
      for (std::size_t b = 0; b < song.structure.bar_novelty.size(); ++b)
        std::printf("%s%.2f", b % 8 ? " " : "\n          ", song.structure.bar_novelty[b]);
      std::printf("\n");
      for (const auto& sec : song.structure.sections)
        std::printf("        %-9s %7.2f %7.2f g%d x%d rep %.3f e %.3f nov %.2f\n",
                    sec.label.c_str(), sec.start, sec.end, sec.group, sec.repeats, sec.repetition,
                    sec.energy, sec.novelty);
    }
  };
  for (std::size_t t = 0; t < std::size(tempos); ++t) {
    for (std::size_t f = 0; f < std::size(forms); ++f) {
      if ((t + f) % 2) continue;  // every other pairing: 20 songs, each tempo twice
      if (only_bpm > 0 && (tempos[t] != only_bpm || (only_form >= 0 && int(f) != only_form)))
        continue;
      synth::TrackSpec spec;
      spec.song = true;
      spec.bpm = tempos[t];
      spec.key = synth::parse_key(keys[(t + 3 * f) % 10]);
      spec.rate = 22050;
      spec.seed = 1 + t * 10 + f;
      evaluate(spec, forms[f], keys[(t + 3 * f) % 10], own);
    }
  }
  std::printf("\nshared chord loop (verse, pre-chorus and chorus over one loop):\n");
  for (std::size_t t = 0; t < std::size(tempos); ++t) {
    if (only_bpm > 0 && tempos[t] != only_bpm) continue;
    synth::TrackSpec spec;
    spec.song = true;
    spec.shared_loop = true;
    spec.bpm = tempos[t];
    spec.key = synth::parse_key(keys[(t + 5) % 10]);
    spec.rate = 22050;
    spec.seed = 500 + t;
    evaluate(spec, shared_forms[t % std::size(shared_forms)], keys[(t + 5) % 10], shared);
  }
  for (const auto* tot : {&own, &shared}) {
    const double rate = tot->clips ? double(tot->in_chorus) / tot->clips : 0;
    std::printf("\n%s: songs %d  boundaries: true %d, estimated %d\n",
                tot == &own ? "own chords per section" : "shared chord loop", tot->songs,
                tot->true_b, tot->est_b);
    std::printf("boundary F-measure  @3 s: %.3f   @0.5 s: %.3f   (target >= %s @3 s)\n",
                tot->f(tot->hit3), tot->f(tot->hit05), tot == &own ? "0.8" : "0.85");
    std::printf(
        "chorus sections labelled chorus: %d/%d;  verse and chorus bars labelled right: "
        "%d/%d = %.1f %%%s\n",
        tot->chorus_labelled, tot->chorus_sections, tot->bars_right, tot->bars,
        tot->bars ? 100.0 * tot->bars_right / tot->bars : 0.0,
        tot == &own ? "" : "   (target >= 85 %)");
    std::printf(
        "15 s clips inside a true chorus: %d/%d = %.1f %%   (target >= 90 %%; strict %d/%d)\n",
        tot->in_chorus, tot->clips, 100 * rate, tot->in_chorus_strict, tot->clips);
  }
  const double f3 = own.f(own.hit3), rate = own.clips ? double(own.in_chorus) / own.clips : 0;
  const double shared_f3 = shared.f(shared.hit3),
               shared_rate = shared.clips ? double(shared.in_chorus) / shared.clips : 0,
               shared_bars = shared.bars ? double(shared.bars_right) / shared.bars : 0;

  // The concert: three songs between applause and talk.
  {
    std::vector<synth::TrackSpec> specs;
    const double bpms[] = {96, 128, 84};
    const char* ks[] = {"C", "Am", "G"};
    for (int k = 0; k < 3; ++k) {
      synth::TrackSpec s;
      s.song = true;
      s.bpm = bpms[k];
      s.key = synth::parse_key(ks[k]);
      s.sections = synth::default_song_sections();
      s.seed = 100 + unsigned(k);
      specs.push_back(s);
    }
    const synth::Concert c = synth::render_concert(specs, 16, 22050);
    const std::vector<float> mono = synth::mono(c.audio);
    const audio::OnsetFeatures on = audio::onset_features(mono.data(), mono.size());
    const audio::TimbreFeatures tb = audio::timbre_features(mono.data(), mono.size());
    const audio::SongSplit split = audio::split_songs(on, tb);
    if (verbose)
      for (std::size_t w = 0; w < split.windows.size(); w += 2)
        std::printf("  %6.1f %-8s db %6.1f pulse %.2f flat %.2f tonal %.2f\n", w * split.window_hop,
                    split.windows[w].c_str(), split.level_db[w], split.pulse[w], split.flatness[w],
                    split.tonality[w]);
    int matched = 0;
    for (const auto& ts : c.truth["songs"])
      for (const auto& s : split.songs)
        if (std::fabs(s.start - ts["start"].get<double>()) <= 5 &&
            std::fabs(s.end - ts["end"].get<double>()) <= 5)
          ++matched;
    std::printf("concert: %zu songs found, %d of %zu true songs matched within 5 s;",
                split.songs.size(), matched, c.truth["songs"].size());
    for (const auto& s : split.songs) std::printf(" song %.1f-%.1f", s.start, s.end);
    for (const auto& g : split.gaps) std::printf(" %s %.1f-%.1f", g.kind.c_str(), g.start, g.end);
    std::printf("\n  truth:");
    for (const auto& s : c.truth["songs"])
      std::printf(" song %.1f-%.1f", s["start"].get<double>(), s["end"].get<double>());
    for (const auto& g : c.truth["gaps"])
      std::printf(" %s %.1f-%.1f", g["kind"].get<std::string>().c_str(), g["start"].get<double>(),
                  g["end"].get<double>());
    std::printf("\n");
  }
  const bool shared_ok =
      shared.songs == 0 || (shared_f3 >= 0.85 && shared_rate >= 0.9 && shared_bars >= 0.85);
  return f3 >= 0.8 && rate >= 0.9 && shared_ok ? 0 : 1;
}
