// eval-qm-peer FILE...: the qm-dsp peer of the real-music evaluation. Analyses each file the
// way Mixxx's Queen Mary analysers do (src/analyzer/plugins/analyzerqueenmarybeats.cpp and
// analyzerqueenmarykey.cpp) and prints one JSON line per file:
//   {"file", "peer": "qm-dsp", "bpm", "beats", "downbeats", "key", "seconds", "audio_seconds"}
//
// Conventions:
//  - audio: decoded (any format FFmpeg reads) and resampled to 44.1 kHz, then mixed down to
//    mono as the mean of the channels, as Mixxx's DownmixAndOverlapHelper does; that helper's
//    framing is reproduced too (the first window centred on sample 0, zero-padded at the end);
//  - beats: DetectionFunction DF_COMPLEXSD, step 512 (Mixxx's 0.01161 s), window 1024, no
//    adaptive whitening; the first two detection values are skipped and trailing values <= 0
//    dropped; TempoTrackV2::calculateBeatPeriod (input tempo 120, unconstrained) and
//    calculateBeats (alpha 0.9, tightness 4); a beat at detection index i is at sample
//    i * 512 + 256, as Mixxx places it;
//  - bpm: as Mixxx reports it for a constant-tempo track (see mixxx_bpm below: the mean beat
//    length of the longest steady run of beats, snapped to a whole or simple-fraction BPM
//    within its uncertainty); null with fewer than two beats. The beats themselves are the
//    tracker's, not the constant grid Mixxx then lays over them;
//  - downbeats: qm-dsp DownBeat as the QM bar-and-beat tracker VAMP plugin runs it
//    (decimation 16, the audio pushed in 512-sample blocks, 4 beats per bar), on the beats
//    above; null when there are no beats;
//  - key: GetKeyMode(44100, 440 Hz, 10, 10) (the VAMP key detector's defaults, as Mixxx),
//    one estimate per hop; the track's key is the one held longest (Mixxx's global key:
//    duration-weighted over the key changes); null when GetKeyMode never names a key;
//  - seconds: wall-clock time of decoding and analysing the file.
// Exit status: 0 when every file was analysed, 64 on bad use, 66 when an input is missing
// or unreadable, 65 when one is not decodable audio (the other files are still analysed).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

// qm-dsp's headers include each other relative to their own directory.
#include <dsp/keydetection/GetKeyMode.h>
#include <dsp/onsets/DetectionFunction.h>
#include <dsp/tempotracking/DownBeat.h>
#include <dsp/tempotracking/TempoTrackV2.h>

#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/key.hpp"
#include "peer_main.hpp"

namespace {

constexpr int kRate = 44100;
constexpr std::size_t kStep = 512;     // Mixxx: static_cast<int>(44100 * 0.01161f)
constexpr std::size_t kWindow = 1024;  // Mixxx: nextPowerOfTwo(44100 / 50)
constexpr std::size_t kDownBeatDecimation = 16;
constexpr int kBeatsPerBar = 4;

// Calls `window_ready` on every window of `window` samples, `step` apart, of the signal with
// window / 2 zeros in front and enough zeros behind for the last samples to be analysed:
// the framing of Mixxx's DownmixAndOverlapHelper (initialize, processInner, finalize).
void for_each_window(const std::vector<double>& x, std::size_t window, std::size_t step,
                     const std::function<void(double*)>& window_ready) {
  std::vector<double> buf(window, 0.0);
  std::size_t pos = window / 2;
  auto feed = [&](const double* in, std::size_t n) {
    std::size_t done = 0;
    while (done < n) {
      const std::size_t take = std::min(n - done, window - pos);
      for (std::size_t i = 0; i < take; ++i) buf[pos + i] = in ? in[done + i] : 0.0;
      pos += take;
      done += take;
      if (pos == window) {
        window_ready(buf.data());
        std::copy(buf.begin() + static_cast<std::ptrdiff_t>(step), buf.end(), buf.begin());
        pos -= step;
      }
    }
  };
  feed(x.data(), x.size());
  feed(nullptr, std::max(window - pos, window / 2 - 1));
}

struct Result {
  std::vector<double> beats;      // seconds
  std::vector<double> downbeats;  // seconds
  std::optional<audio::Key> key;
};

Result analyse(const std::vector<double>& mono) {
  Result r;

  // Beats (Mixxx's AnalyzerQueenMaryBeats).
  DFConfig config{};
  config.stepSize = kStep;
  config.frameLength = kWindow;
  config.DFType = DF_COMPLEXSD;
  config.dbRise = 3;
  config.adaptiveWhitening = false;
  config.whiteningRelaxCoeff = -1;
  config.whiteningFloor = -1;
  std::vector<double> detection;
  {
    DetectionFunction df(config);
    for_each_window(mono, kWindow, kStep,
                    [&](double* w) { detection.push_back(df.processTimeDomain(w)); });
  }
  std::size_t nonzero = detection.size();
  while (nonzero > 0 && detection[nonzero - 1] <= 0.0) --nonzero;
  std::vector<double> beat_index;
  if (nonzero > 2) {
    std::vector<double> df(detection.begin() + 2,
                           detection.begin() + static_cast<std::ptrdiff_t>(nonzero));
    std::vector<double> period(df.size(), 0.0), tempi;
    TempoTrackV2 tracker(kRate, kStep);
    tracker.calculateBeatPeriod(df, period, tempi);
    tracker.calculateBeats(df, period, beat_index);
  }
  for (double b : beat_index)
    r.beats.push_back((b * kStep + static_cast<double>(kStep / 2)) / kRate);

  // Downbeats (the QM bar-and-beat tracker's DownBeat stage).
  if (!beat_index.empty()) {
    DownBeat down(kRate, kDownBeatDecimation, kStep);
    down.setBeatsPerBar(kBeatsPerBar);
    std::vector<float> block(kStep);
    for (std::size_t at = 0; at < mono.size(); at += kStep) {
      std::fill(block.begin(), block.end(), 0.0f);
      for (std::size_t i = 0; i < kStep && at + i < mono.size(); ++i)
        block[i] = static_cast<float>(mono[at + i]);
      down.pushAudioBlock(block.data());
    }
    std::size_t length = 0;
    const float* decimated = down.getBufferedAudio(length);
    std::vector<int> which;
    down.findDownBeats(decimated, length, beat_index, which);
    for (int i : which)
      if (i >= 0 && static_cast<std::size_t>(i) < r.beats.size()) r.downbeats.push_back(r.beats[i]);
  }

  // Key (Mixxx's AnalyzerQueenMaryKey, then the longest-held key over the track).
  GetKeyMode key_mode(kRate, 440.0f, 10, 10);
  const std::size_t hop = key_mode.getHopSize();
  std::vector<std::pair<int, double>> changes;  // key 1..24, start frame
  std::size_t index = 0;
  for_each_window(mono, key_mode.getBlockSize(), hop, [&](double* w) {
    const int k = key_mode.process(w);
    if (k >= 1 && k <= 24 && (changes.empty() || changes.back().first != k))
      changes.emplace_back(k, static_cast<double>(index * hop));
    ++index;
  });
  std::map<int, double> held;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const double end = i + 1 < changes.size()
                           ? changes[i + 1].second
                           : std::max(static_cast<double>(mono.size()), changes[i].second);
    held[changes[i].first] += end - changes[i].second;
  }
  // 1..12 are C..B major, 13..24 C..B minor: Key::from_index's order, shifted by one.
  int best = 0;
  for (const auto& [k, frames] : held)
    if (best == 0 || frames > held[best]) best = k;
  if (best > 0) r.key = audio::Key::from_index(best - 1);
  return r;
}

// The tempo Mixxx reports for a constant-tempo track (its BeatUtils: retrieveConstRegions,
// makeConstBpm, roundBpmWithinRange): the beats are split into regions whose beats stay
// within 25 ms of an even grid (one outlier allowed, the drift summing to at most 100 ms);
// the longest region's mean beat length gives the tempo, snapped to a whole BPM, else to
// 1/2 or 2/3 or 1/12 BPM, when that stays inside the region's 25 ms uncertainty. (Mixxx
// then also joins regions at the start and end of the track that match the longest one in
// tempo and phase; that refinement is left out.) Beats are in seconds; null under 2 beats.
std::optional<double> mixxx_bpm(const std::vector<double>& beats) {
  constexpr double kMaxPhaseError = 0.025, kMaxPhaseErrorSum = 0.1;
  constexpr int kMaxOutliers = 1;
  if (beats.size() < 2) return std::nullopt;
  struct Region {
    double first_beat, beat_length;
  };
  std::vector<Region> regions;
  const std::size_t last = beats.size() - 1;
  std::size_t left = 0, right = last;
  while (left < last) {
    const double mean = (beats[right] - beats[left]) / static_cast<double>(right - left);
    int outliers = 0;
    double ironed = beats[left], error_sum = 0;
    std::size_t i = left + 1;
    for (; i <= right; ++i) {
      ironed += mean;
      const double error = ironed - beats[i];
      error_sum += error;
      if (std::fabs(error) > kMaxPhaseError) {
        ++outliers;
        if (outliers > kMaxOutliers || i == left + 1) break;
      }
      if (std::fabs(error_sum) > kMaxPhaseErrorSum) break;
    }
    if (i > right) {
      double border_error = 0;
      if (right > left + 2)
        border_error =
            std::fabs(beats[left + 1] - beats[left] + beats[right] - beats[right - 1] - 2 * mean);
      if (border_error < kMaxPhaseError / 2) {
        regions.push_back({beats[left], mean});
        left = right;
        right = last;
        continue;
      }
    }
    --right;
  }
  regions.push_back({beats[last], 0});
  double longest = 0, length = 0;
  for (std::size_t i = 0; i + 1 < regions.size(); ++i) {
    const double span = regions[i + 1].first_beat - regions[i].first_beat;
    if (span > longest) longest = span, length = regions[i].beat_length;
  }
  if (longest <= 0 || length <= 0) return std::nullopt;
  const double count = std::floor(longest / length + 0.5);
  const double min_bpm = 60 / (length + kMaxPhaseError / count);
  const double max_bpm = 60 / (length - kMaxPhaseError / count);
  const double centre = 60 / length;
  // roundBpmWithinRange
  double snap = std::round(centre);
  if (snap > min_bpm && snap < max_bpm) return snap;
  const double width = max_bpm - min_bpm;
  if (width > 0.5) {
    if (centre < 85) return std::round(centre * 2) / 2;
    if (centre > 127) return std::round(centre / 3 * 2) * 3 / 2;
  }
  if (width > 1.0 / 12) return std::round(centre * 12) / 12;
  snap = std::round(centre * 12) / 12;
  return snap > min_bpm && snap < max_bpm ? snap : centre;
}

audio::Json seconds_array(const std::vector<double>& v) {
  audio::Json a = audio::Json::array();
  for (double t : v) a.push_back(audio::round_to(t, 4));
  return a;
}

audio::Json analyse_file(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  audio::DecodeOptions options;
  options.sample_rate = kRate;
  audio::Decoder decoder(path, options);
  const int channels = decoder.channels();
  std::vector<double> mono;
  std::vector<float> chunk(4096 * static_cast<std::size_t>(channels));
  while (const std::size_t n = decoder.read(chunk.data(), 4096)) {
    for (std::size_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int c = 0; c < channels; ++c) sum += chunk[i * channels + c];
      mono.push_back(sum / channels);
    }
  }
  const Result r = analyse(mono);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  audio::Json j;
  j["file"] = path;
  j["peer"] = "qm-dsp";
  const std::optional<double> bpm = mixxx_bpm(r.beats);
  j["bpm"] = bpm ? audio::Json(audio::round_to(*bpm, 3)) : audio::Json();
  j["beats"] = seconds_array(r.beats);
  j["downbeats"] = r.beats.empty() ? audio::Json() : seconds_array(r.downbeats);
  j["key"] = r.key ? audio::Json(r.key->name()) : audio::Json();
  j["seconds"] = audio::round_to(seconds, 3);
  j["audio_seconds"] = audio::round_to(static_cast<double>(mono.size()) / kRate, 3);
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  return evalpeer::run(argc, argv, "eval-qm-peer",
                       "Beats, tempo, downbeats and key of each FILE by qm-dsp, as Mixxx runs it;\n"
                       "one JSON line per file on stdout.\n",
                       analyse_file);
}
