// eval-rhythm DIR [--json FILE]: accuracy and speed of the rhythm analysis (onset, tempo, beats,
// downbeats) against the synthesizer's truth. For every NAME.wav or NAME.mp3 in DIR with a
// NAME.truth.json beside it: decode (22050 Hz mono), analyse, compare, print one line; then
// the summary metrics (--json also writes each file's rhythm record, one per line). Truth without
// beats ("bpm": null) is a beatless fixture: the right answer is no tempo.
//
// Metrics: the conventions of metrics.hpp (tempo Accuracy1/2 and within 0.05 BPM; beat
// F-measure +-70 ms, reported as mir_eval does it (from 5 s) and on the whole track; downbeat
// phase right, +-70 ms, and the downbeat F-measure on the whole track).
//  - speed: analysis alone (onset features from samples, tempo, beats, downbeats) and decode
//    + analysis, as multiples of real time, in CPU time of the one thread doing it all.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include <sys/resource.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "libaudio/beats.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/downbeats.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/onset.hpp"
#include "libaudio/rhythm.hpp"
#include "libaudio/tempo.hpp"
#include "metrics.hpp"

namespace fs = std::filesystem;

namespace {

// CPU time of this thread: the machine may be shared, and wall time would count the others.
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
};
double seconds_since(double t0) {
  return Clock::now() - t0;
}

struct Totals {
  int tempo_tracks = 0, acc1 = 0, acc2 = 0, fine = 0, beat_tracks = 0;
  int change_tracks = 0, change_found = 0;
  int beatless = 0, beatless_null = 0;
  double beat_f = 0, beat_f_all = 0;
  int downbeat_tracks = 0, downbeat_right = 0, downbeat_null = 0;
  double downbeat_f = 0;
  double audio_seconds = 0, analysis_seconds = 0, total_seconds = 0;
  std::vector<double> speeds;
  double stage[5] = {0, 0, 0, 0, 0};
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && !(argc == 4 && std::string(argv[2]) == "--json")) {
    std::cerr << "usage: eval-rhythm DIR [--json FILE]\n";
    return 64;
  }
  const bool json = argc == 4;
  std::ofstream json_out;
  if (json) json_out.open(argv[3]);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(argv[1])) {
    const auto ext = e.path().extension();
    if (ext == ".wav" || ext == ".mp3") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  Totals tot;
  std::printf("%-34s %8s %8s %6s %5s %5s %5s %5s %6s %6s\n", "file", "truth", "bpm", "conf",
              "beatF", "ms", "bar", "barF", "x_rt", "x_rt+d");
  for (const fs::path& path : files) {
    fs::path truth_path = path;
    truth_path.replace_extension(".truth.json");
    if (!fs::exists(truth_path)) continue;
    const audio::Json truth = audio::read_json_file(truth_path.string());

    // Decode and onset analysis interleaved, chunk by chunk, as a streaming analyser runs:
    // only the features are held, never the samples.
    double decode_s = 0, onset_s = 0;
    std::size_t samples = 0;
    double t = Clock::now();
    audio::Decoder dec(path.string(), {22050, 1, -1});
    decode_s += seconds_since(t);
    audio::OnsetStream stream;
    std::vector<float> chunk(16384);
    for (;;) {
      t = Clock::now();
      const std::size_t got = dec.read(chunk.data(), chunk.size());
      decode_s += seconds_since(t);
      if (got == 0) break;
      samples += got;
      t = Clock::now();
      stream.push(chunk.data(), got);
      onset_s += seconds_since(t);
    }
    t = Clock::now();
    const audio::OnsetFeatures feat = stream.finish();
    onset_s += seconds_since(t);
    t = Clock::now();
    const audio::TempoEstimate tempo = audio::estimate_tempo(feat);
    const double tempo_s = seconds_since(t);
    t = Clock::now();
    const audio::BeatGrid grid = audio::analyze_beats(feat, tempo);
    const double beats_s = seconds_since(t);
    t = Clock::now();
    const audio::Downbeats bars = audio::estimate_downbeats(feat, grid);
    const double downbeats_s = seconds_since(t);
    const double analysis_s = onset_s + tempo_s + beats_s + downbeats_s;
    tot.stage[0] += decode_s;
    tot.stage[1] += onset_s;
    tot.stage[2] += tempo_s;
    tot.stage[3] += beats_s;
    tot.stage[4] += downbeats_s;
    if (json) {
      audio::Json doc = {{"file", path.filename().string()}};
      doc["rhythm"] = audio::rhythm_json({tempo, grid, bars});
      json_out << doc.dump() << '\n';
    }

    const double duration = static_cast<double>(samples) / 22050.0;
    tot.audio_seconds += duration;
    tot.analysis_seconds += analysis_s;
    tot.total_seconds += analysis_s + decode_s;
    const std::string name = path.filename().string();

    if (truth["bpm"].is_null()) {
      ++tot.beatless;
      const bool ok = !tempo.found;
      tot.beatless_null += ok;
      std::printf("%-34s %8s %8s %6s  beatless: %s%s\n", name.c_str(), "null",
                  tempo.found ? std::to_string(tempo.bpm).c_str() : "null", "",
                  ok ? "null, reason " : "WRONG, a tempo for beatless audio",
                  ok ? tempo.reason.c_str() : "");
      continue;
    }
    const bool changes = truth.contains("tempo_segments");
    double tb = truth["bpm"].get<double>();
    const double bpm = grid.found ? grid.bpm : 0;
    std::string segment_note;
    if (changes) {
      // Every true segment must be found: an estimated segment within 0.1 BPM of it that
      // starts within two beats of it.
      ++tot.change_tracks;
      bool all = !grid.constant;
      for (const auto& ts : truth["tempo_segments"]) {
        const double start = ts["start"].get<double>(), sb = ts["bpm"].get<double>();
        bool hit = false;
        for (const auto& es : grid.segments)
          hit = hit || (std::fabs(es.bpm - sb) <= 0.1 && std::fabs(es.start - start) <= 120.0 / sb);
        all = all && hit;
      }
      tot.change_found += all;
      segment_note = all ? "  segments ok" : "  SEGMENTS-WRONG";
      for (const auto& es : grid.segments) {
        char buf[64];
        std::snprintf(buf, sizeof buf, " [%.2f s %.3f]", es.start, es.bpm);
        segment_note += buf;
      }
      tb = bpm;  // the per-file tempo columns below are not meaningful for these
    } else {
      ++tot.tempo_tracks;
    }
    const evalm::TempoScore ts = evalm::score_tempo(bpm, tb);
    const bool a1 = ts.acc1;
    if (!changes) {
      tot.acc1 += ts.acc1;
      tot.acc2 += ts.acc2;
      tot.fine += ts.fine;
    }

    std::vector<double> ref = truth["beats"].get<std::vector<double>>();
    const double bf =
        evalm::f_measure(evalm::trimmed(ref, 5.0), evalm::trimmed(grid.beats, 5.0), 0.07);
    const double bf_all = evalm::f_measure(ref, grid.beats, 0.07);
    tot.beat_f += bf;
    tot.beat_f_all += bf_all;
    ++tot.beat_tracks;
    // Mean signed offset of matched beats: shows a systematic shift (e.g. MP3 delay).
    double offset_sum = 0;
    int offset_count = 0;
    for (double r : ref) {
      double best = 1;
      for (double e : grid.beats)
        if (std::fabs(e - r) < std::fabs(best)) best = e - r;
      if (std::fabs(best) <= 0.07) {
        offset_sum += best;
        ++offset_count;
      }
    }
    const double offset_ms = offset_count ? 1000 * offset_sum / offset_count : 0;

    std::vector<double> ref_db = truth["downbeats"].get<std::vector<double>>();
    ++tot.downbeat_tracks;
    double dbf = 0;
    bool phase_ok = false;
    if (bars.found) {
      dbf = evalm::f_measure(ref_db, bars.downbeats, 0.07);
      phase_ok = evalm::downbeat_phase_right(ref_db, bars.downbeats, 0.07);
    } else {
      ++tot.downbeat_null;
    }
    tot.downbeat_right += phase_ok;
    tot.downbeat_f += dbf;
    const double speed = duration / analysis_s;
    tot.speeds.push_back(speed);
    std::printf("%-34s %8.2f %8.3f %6.2f %5.3f %+5.1f %5s %5.3f %6.0f %6.0f%s%s%s\n", name.c_str(),
                tb, bpm, tempo.confidence, bf, offset_ms,
                bars.found ? (phase_ok ? "ok" : "WRONG") : "null", dbf, speed,
                duration / (analysis_s + decode_s), a1 ? "" : "  TEMPO-WRONG",
                ts.fine ? "" : (a1 ? "  (>0.05)" : ""), segment_note.c_str());
  }
  const double n = std::max(1, tot.tempo_tracks);
  const double nb = std::max(1, tot.beat_tracks);
  std::printf("\n%d constant-tempo tracks, %d with tempo changes, %d beatless, %.0f s of audio\n",
              tot.tempo_tracks, tot.change_tracks, tot.beatless, tot.audio_seconds);
  std::printf("tempo Accuracy1 (4 %%)        %6.1f %%\n", 100.0 * tot.acc1 / n);
  std::printf("tempo Accuracy2 (octaves)     %6.1f %%\n", 100.0 * tot.acc2 / n);
  std::printf("tempo within 0.05 BPM         %6.1f %%\n", 100.0 * tot.fine / n);
  std::printf("tempo changes found           %d / %d\n", tot.change_found, tot.change_tracks);
  std::printf("beat F-measure (70 ms, >=5 s) %6.3f\n", tot.beat_f / nb);
  std::printf("beat F-measure (whole track)  %6.3f\n", tot.beat_f_all / nb);
  std::printf("downbeat phase right          %6.1f %% (%d null)\n",
              100.0 * tot.downbeat_right / std::max(1, tot.downbeat_tracks), tot.downbeat_null);
  std::printf("downbeat F-measure (70 ms)    %6.3f\n",
              tot.downbeat_f / std::max(1, tot.downbeat_tracks));
  std::printf("beatless -> null              %d / %d\n", tot.beatless_null, tot.beatless);
  std::printf("speed: analysis %.0fx real time, decode + analysis %.0fx real time\n",
              tot.audio_seconds / tot.analysis_seconds, tot.audio_seconds / tot.total_seconds);
  const double per4 = 240.0 / std::max(1.0, tot.audio_seconds);
  std::printf(
      "time per 4 minutes of audio: decode %.3f s, onset features %.3f s, tempo %.3f s, "
      "beats %.3f s, downbeats %.3f s\n",
      tot.stage[0] * per4, tot.stage[1] * per4, tot.stage[2] * per4, tot.stage[3] * per4,
      tot.stage[4] * per4);
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("peak resident memory %.0f MB\n", static_cast<double>(usage.ru_maxrss) / 1024);
  const bool pass = tot.acc1 >= 0.98 * n && tot.fine >= 0.9 * n && tot.beat_f >= 0.95 * nb &&
                    tot.change_found == tot.change_tracks &&
                    tot.downbeat_right >= 0.9 * tot.downbeat_tracks &&
                    tot.beatless_null == tot.beatless;
  std::printf("targets %s\n", pass ? "met" : "NOT met");
  return pass ? 0 : 1;
}
