// eval-phrases DIR: accuracy and speed of the energy curve, phrase and cue analysis against
// the synthesizer's truth. For every NAME.wav or NAME.mp3 in DIR whose NAME.truth.json has
// "sections": decode (22050 Hz mono), onset features, rhythm, then energy + phrases + cues;
// one line per file, then the summary.
//
// Metrics (conventions stated because they change the numbers):
//  - boundaries: the starts of the true sections after the first. Recall = share of them with
//    an estimated phrase start within one beat (60 / the section's tempo); precision = share
//    of the estimated phrase starts (after the first) within one beat of a true boundary.
//  - labels: each true section is judged by the estimated phrase covering its middle
//    (exact label match; a truth "chorus" counts as "drop", "bridge" as "breakdown").
//  - cues: music_start within one beat of the first true downbeat; first_drop within one beat
//    of the first true drop's start (tracks that have one).
//  - time: CPU time of energy + phrases + cues alone (the part this evaluates), in ms per
//    track, median and maximum.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "libaudio/cues.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/energy.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/onset.hpp"
#include "libaudio/phrases.hpp"
#include "libaudio/rhythm.hpp"

namespace fs = std::filesystem;

namespace {

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

std::string canonical(std::string label) {
  if (label == "chorus") return "drop";
  if (label == "bridge") return "breakdown";
  return label;
}

const audio::Cue* find_cue(const std::vector<audio::Cue>& cues, const std::string& name) {
  for (const audio::Cue& c : cues)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: eval-phrases DIR\n";
    return 64;
  }
  if (!fs::is_directory(argv[1])) {
    std::cerr << "eval-phrases: " << argv[1] << ": not a directory\n";
    return 66;
  }
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(argv[1])) {
    const auto ext = e.path().extension();
    if (ext == ".wav" || ext == ".mp3") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  int true_bounds = 0, hit_bounds = 0, est_bounds = 0, est_hit = 0;
  int sections = 0, labels_right = 0, tracks = 0, music_ok = 0, drops = 0, drop_ok = 0;
  std::vector<double> times;
  std::printf("%-30s %5s %5s %5s %6s  %s\n", "file", "hit", "prec", "label", "ms",
              "estimated phrases");
  for (const fs::path& path : files) {
    fs::path truth_path = path;
    truth_path.replace_extension(".truth.json");
    if (!fs::exists(truth_path)) continue;
    const audio::Json truth = audio::read_json_file(truth_path.string());
    if (!truth.contains("sections")) continue;

    audio::Decoder dec(path.string(), {22050, 1, -1});
    audio::OnsetStream stream;
    std::vector<float> chunk(16384);
    for (std::size_t got; (got = dec.read(chunk.data(), chunk.size())) > 0;)
      stream.push(chunk.data(), got);
    const audio::OnsetFeatures feat = stream.finish();
    const audio::Rhythm rhythm = audio::analyze_rhythm(feat);

    const double t0 = cpu_now();
    const audio::EnergyCurve energy = audio::analyze_energy(feat, audio::bar_grid(feat, rhythm));
    const audio::Phrases phrases = audio::analyze_phrases(feat, energy);
    const std::vector<audio::Cue> cues = audio::find_cues(feat, rhythm, energy, phrases);
    times.push_back(1000 * (cpu_now() - t0));
    ++tracks;

    const double track_beat = 60.0 / truth["bpm"].get<double>();
    std::vector<double> bound, beat;
    std::vector<std::pair<double, std::string>> mids;
    for (std::size_t i = 0; i < truth["sections"].size(); ++i) {
      const audio::Json& s = truth["sections"][i];
      const double b = s.contains("bpm") ? 60.0 / s["bpm"].get<double>() : track_beat;
      if (i > 0) bound.push_back(s["start"].get<double>()), beat.push_back(b);
      mids.emplace_back(0.5 * (s["start"].get<double>() + s["end"].get<double>()),
                        canonical(s["label"].get<std::string>()));
    }
    std::vector<double> est;
    for (std::size_t i = 1; i < phrases.phrases.size(); ++i)
      est.push_back(phrases.phrases[i].start);
    int hit = 0, ehit = 0;
    for (std::size_t i = 0; i < bound.size(); ++i)
      hit += std::any_of(est.begin(), est.end(),
                         [&](double e) { return std::fabs(e - bound[i]) <= beat[i]; });
    for (double e : est) {
      bool ok = false;
      for (std::size_t i = 0; i < bound.size(); ++i) ok = ok || std::fabs(e - bound[i]) <= beat[i];
      ehit += ok;
    }
    int lab = 0;
    for (const auto& [mid, label] : mids) {
      for (const audio::Phrase& p : phrases.phrases)
        if (mid >= p.start && mid < p.end) lab += p.label == label;
    }
    true_bounds += static_cast<int>(bound.size()), hit_bounds += hit;
    est_bounds += static_cast<int>(est.size()), est_hit += ehit;
    sections += static_cast<int>(mids.size()), labels_right += lab;

    const double first_downbeat = truth["downbeats"][0].get<double>();
    const audio::Cue* ms = find_cue(cues, "music_start");
    music_ok += ms && ms->time && std::fabs(*ms->time - first_downbeat) <= track_beat;
    double true_drop = -1;
    for (const audio::Json& s : truth["sections"])
      if (canonical(s["label"].get<std::string>()) == "drop") {
        true_drop = s["start"].get<double>();
        break;
      }
    if (true_drop >= 0) {
      ++drops;
      const audio::Cue* fd = find_cue(cues, "first_drop");
      drop_ok += fd && fd->time && std::fabs(*fd->time - true_drop) <= track_beat;
    }

    std::string summary;
    for (const audio::Phrase& p : phrases.phrases)
      summary += p.label.substr(0, 5) + ":" + std::to_string(p.bars) + " ";
    std::printf("%-30s %2d/%-2d %2d/%-2d %2d/%-2d %6.2f  %s\n", path.filename().c_str(), hit,
                static_cast<int>(bound.size()), ehit, static_cast<int>(est.size()), lab,
                static_cast<int>(mids.size()), times.back(), summary.c_str());
  }
  if (tracks == 0) {
    std::cerr << "eval-phrases: no tracks with sections in " << argv[1] << "\n";
    return 66;
  }
  std::sort(times.begin(), times.end());
  auto pct = [](int a, int b) { return b > 0 ? 100.0 * a / b : 0.0; };
  std::printf("\n%d tracks\n", tracks);
  std::printf("boundaries within one beat: %.1f %% (%d/%d), precision %.1f %% (%d/%d)\n",
              pct(hit_bounds, true_bounds), hit_bounds, true_bounds, pct(est_hit, est_bounds),
              est_hit, est_bounds);
  std::printf("labels: %.1f %% (%d/%d sections)\n", pct(labels_right, sections), labels_right,
              sections);
  std::printf("cues: music_start %.1f %% (%d/%d), first_drop %.1f %% (%d/%d)\n",
              pct(music_ok, tracks), music_ok, tracks, pct(drop_ok, drops), drop_ok, drops);
  std::printf("time (energy + phrases + cues): median %.2f ms, max %.2f ms per track\n",
              times[times.size() / 2], times.back());
  return 0;
}
