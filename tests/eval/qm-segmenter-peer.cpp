// eval-qm-segmenter-peer FILE...: the qm-dsp peer of the song-structure evaluation
// (scripts/eval-structure-real). Segments each file the way the QM Vamp plugin
// "qm-segmenter" does with its default parameters (qm-vamp-plugins, SegmenterPlugin) and
// prints one JSON line per file:
//   {"file", "peer": "qm-segmenter", "boundaries", "segments", "seconds", "audio_seconds"}
//
// Conventions:
//  - audio: decoded (any format FFmpeg reads) at its own rate, as a Vamp host hands it to the
//    plugin (the segmenter decimates to about 11 kHz itself), and mixed down to mono as the
//    mean of the channels;
//  - segmenter: ClusterMeltSegmenter with the plugin's defaults: feature type "Hybrid"
//    (constant-Q, 20 PCA components), 10 segment types, minimum segment duration 4 s (the
//    neighbourhood limit, in 0.2 s hops: 20), the other parameters ClusterMeltSegmenterParams'
//    own (hop 0.2 s, window 0.6 s, 62 Hz - 16 kHz at 8 bins per octave, 40 HMM states,
//    histograms of 15 hops);
//  - framing: blocks of one window, one hop apart, from sample 0, zero-padded past the end;
//    the last block is the last one starting at least one hop before the end (the framing of
//    vamp-simple-host, which keeps reading until two blocks have come up short);
//  - segments: the plugin's, with types renumbered 1, 2, ... in order of first appearance
//    (the plugin's labels A, B, ...); each ends where the next starts, the last at the end
//    of the audio. None when the audio is shorter than the segmenter's 15-hop histogram (3 s);
//  - boundaries: the start of every segment after the first, in seconds;
//  - seconds: wall-clock time of decoding and segmenting the file.
// The segmenter seeds its HMM with the time of day (qm-dsp hmm_init), so two runs on the same
// file can differ a little; the plugin behaves the same way.
// Exit status: 0 when every file was analysed, 64 on bad use, 66 when an input is missing
// or unreadable, 65 when one is not decodable audio (the other files are still analysed).
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <vector>

// qm-dsp's headers include each other relative to their own directory.
#include <dsp/segmentation/ClusterMeltSegmenter.h>

#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "libaudio/json_out.hpp"
#include "peer_main.hpp"

namespace {

constexpr int kSegmentTypes = 10;         // the plugin's "nSegmentTypes" default
constexpr double kMinSegmentSeconds = 4;  // the plugin's "neighbourhoodLimit" default

// The segmenter as the plugin's makeSegmenter() sets it up for the default feature type.
ClusterMeltSegmenterParams plugin_params() {
  ClusterMeltSegmenterParams p;
  p.featureType = FEATURE_TYPE_CONSTQ;
  p.ncomponents = 20;
  // The plugin's parameter is in seconds; the segmenter counts hops.
  p.neighbourhoodLimit = static_cast<int>(kMinSegmentSeconds / p.hopSize + 0.0001);
  return p;
}

audio::Json analyse_file(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  audio::Decoder decoder(path);
  const int rate = decoder.sample_rate();
  const int channels = decoder.channels();

  ClusterMeltSegmenter segmenter(plugin_params());
  segmenter.initialise(rate);
  const std::size_t window = static_cast<std::size_t>(segmenter.getWindowsize());
  const std::size_t hop = static_cast<std::size_t>(segmenter.getHopsize());

  // Streams the mono signal through one window-long block, so memory stays flat for any
  // length: `block` holds the samples from the current block start on.
  std::vector<double> block;
  block.reserve(window);
  std::size_t blocks = 0, frames = 0;
  auto emit = [&] {
    block.resize(window, 0.0);  // zero-pads only the last blocks
    segmenter.extractFeatures(block.data(), static_cast<int>(window));
    block.erase(block.begin(), block.begin() + static_cast<std::ptrdiff_t>(hop));
    ++blocks;
  };
  std::vector<float> chunk(4096 * static_cast<std::size_t>(channels));
  while (const std::size_t n = decoder.read(chunk.data(), 4096)) {
    for (std::size_t i = 0; i < n; ++i) {
      double sum = 0;
      for (int c = 0; c < channels; ++c) sum += chunk[i * channels + c];
      block.push_back(sum / channels);
      if (block.size() == window) emit();
    }
    frames += n;
  }
  // Blocks still due: those starting at least one hop before the end (always one).
  while (blocks == 0 || blocks * hop + hop <= frames) emit();

  segmenter.segment(kSegmentTypes);
  const Segmentation& seg = segmenter.getSegmentation();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double audio_seconds = static_cast<double>(frames) / rate;

  audio::Json j;
  j["file"] = path;
  j["peer"] = "qm-segmenter";
  audio::Json boundaries = audio::Json::array(), segments = audio::Json::array();
  std::map<int, int> types;  // the segmenter's type -> 1, 2, ... by first appearance
  for (std::size_t i = 0; i < seg.segments.size(); ++i) {
    const Segment& s = seg.segments[i];
    const int type = types.emplace(s.type, static_cast<int>(types.size()) + 1).first->second;
    const double a = static_cast<double>(s.start) / rate;
    const double b = i + 1 < seg.segments.size()
                         ? static_cast<double>(seg.segments[i + 1].start) / rate
                         : std::max(a, audio_seconds);
    if (i > 0) boundaries.push_back(audio::round_to(a, 3));
    audio::Json js;
    js["start"] = audio::round_to(a, 3);
    js["end"] = audio::round_to(b, 3);
    js["type"] = type;
    segments.push_back(js);
  }
  j["boundaries"] = boundaries;
  j["segments"] = segments;
  j["seconds"] = audio::round_to(seconds, 3);
  j["audio_seconds"] = audio::round_to(audio_seconds, 3);
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  return evalpeer::run(
      argc, argv, "eval-qm-segmenter-peer",
      "Song segments of each FILE by qm-dsp's ClusterMeltSegmenter, as the QM Vamp\n"
      "plugin qm-segmenter runs it by default; one JSON line per file on stdout.\n",
      analyse_file);
}
