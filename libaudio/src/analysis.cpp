#include "libaudio/analysis.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "libaudio/chroma.hpp"
#include "libaudio/cues.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/energy.hpp"
#include "libaudio/error.hpp"
#include "libaudio/key.hpp"
#include "libaudio/loudness.hpp"
#include "libaudio/onset.hpp"
#include "libaudio/phrases.hpp"
#include "libaudio/resampler.hpp"
#include "libaudio/rhythm.hpp"
#include "libaudio/sha256.hpp"
#include "libaudio/version.hpp"

namespace audio {
namespace {

constexpr int kFeatureRate = 22050;  // what the onset and chroma analysers are tuned for
constexpr std::size_t kChunkFrames = 8192;

// The file's own descriptive tags, for track lists downstream; null where absent.
Json tags_json(const AudioInfo& info) {
  auto value = [](const std::string& v) { return v.empty() ? Json(nullptr) : Json(v); };
  return {
      {"title", value(info.title)}, {"artist", value(info.artist)}, {"album", value(info.album)}};
}

Json loudness_record(const LoudnessMeter& meter) {
  const double integrated = meter.integrated();
  const bool sound = std::isfinite(integrated);
  Json j;
  j["integrated_lufs"] = loudness_json(integrated, 2);
  // libebur128 reads 0 LU for silence; there is no range without sound.
  j["loudness_range_lu"] = sound ? loudness_json(meter.range(), 2) : Json(nullptr);
  j["true_peak_dbtp"] = loudness_json(to_db(meter.true_peak()), 2);
  j["sample_peak_dbfs"] = loudness_json(to_db(meter.sample_peak()), 2);
  return j;
}

}  // namespace

Json analysis_options_json(const AnalysisOptions& o) {
  Json j;
  j["bpm_range"] = Json::array({round_to(o.tempo.min_bpm, 2), round_to(o.tempo.max_bpm, 2)});
  j["bpm_prior"] = round_to(o.tempo.prior_bpm, 2);
  return j;
}

void parse_bpm_prior(const std::string& text, AnalysisOptions& options) {
  double bpm = 0;
  int used = 0;
  if (std::sscanf(text.c_str(), "%lf%n", &bpm, &used) != 1 ||
      static_cast<std::size_t>(used) != text.size() || !(bpm >= 20 && bpm <= 400)) {
    throw Error(Exit::usage, "--bpm-prior", "must be a tempo from 20 to 400: " + text);
  }
  options.tempo.prior_bpm = bpm;
}

Json analyze_input(const AnalysisInput& input, const AnalysisOptions& options) {
  const std::string& path = input.path();
  try {
    Decoder dec(input.source());  // native rate and channels: one decode serves everything
    const int rate = dec.sample_rate();
    const int channels = dec.channels();
    LoudnessMeter meter(rate, channels);
    Resampler resampler(rate, kFeatureRate, 1);
    OnsetStream onsets;
    ChromaAnalyzer chroma(key_chroma_options());
    const double max_frames = options.max_seconds * rate;

    std::vector<float> chunk(kChunkFrames * static_cast<std::size_t>(channels));
    std::vector<float> mono, feature_rate;
    auto feed = [&](const std::vector<float>& x) {
      onsets.push(x.data(), x.size());
      chroma.push(x.data(), x.size());
    };
    const double total_frames = static_cast<double>(dec.info().frames);
    double reported = 0;
    while (const std::size_t n = dec.read(chunk.data(), kChunkFrames)) {
      if (options.on_progress && total_frames > 0) {
        const double fraction =
            std::min(1.0, static_cast<double>(dec.frames_read()) / total_frames);
        if (fraction - reported >= 0.01) {
          reported = fraction;
          options.on_progress(fraction);
        }
      }
      if (static_cast<double>(dec.frames_read()) > max_frames) {
        throw Error(Exit::data, path,
                    "longer than the limit of " + std::to_string(std::lround(options.max_seconds)) +
                        " s (--max-duration)");
      }
      meter.add(chunk.data(), n);
      downmix_to_mono(chunk.data(), n, channels, mono);
      feature_rate.clear();
      resampler.push(mono.data(), n, feature_rate);
      feed(feature_rate);
    }
    feature_rate.clear();
    resampler.flush(feature_rate);
    feed(feature_rate);

    RhythmOptions rhythm_options;
    rhythm_options.tempo = options.tempo;
    const OnsetFeatures features = onsets.finish();
    const Rhythm rhythm = analyze_rhythm(features, rhythm_options);
    const EnergyCurve energy = analyze_energy(features, bar_grid(features, rhythm));
    const Phrases phrases = analyze_phrases(features, energy);
    const std::vector<Cue> cues = find_cues(features, rhythm, energy, phrases);
    const KeyAnalysis key = analyze_key(chroma.finish());

    Json doc;
    doc["schema"] = kAnalysisSchema;
    doc["toolkit_version"] = kToolkitVersion;
    doc["analysis_version"] = kAnalysisVersion;
    doc["input"] = input_record(path, input.sha256());
    doc["duration"] = round_seconds(static_cast<double>(dec.frames_read()) / rate);
    doc["sample_rate"] = rate;
    doc["channels"] = channels;
    doc["tags"] = tags_json(dec.info());
    doc["options"] = analysis_options_json(options);
    const Json rhythm_fields = rhythm_json(rhythm);
    for (auto it = rhythm_fields.begin(); it != rhythm_fields.end(); ++it) doc[it.key()] = *it;
    doc["key"] = key_to_json(key);
    doc["key_reason"] = key.estimate ? Json(nullptr) : Json(key.reason);
    doc["loudness"] = loudness_record(meter);
    doc["energy"] = energy_json(energy);
    doc["phrases"] = phrases_json(phrases);
    doc["cues"] = cues_json(cues);
    return doc;
  } catch (const Error& e) {
    // Name the file the user gave (not a spool), and keep the module's word as context.
    if (e.subject() == path) throw;
    const std::string context =
        e.subject().empty() || e.subject() == input.source() ? std::string() : e.subject() + ": ";
    // The meter and resampler refuse only layouts a decodable file cannot sensibly have.
    const Exit code = e.code() == Exit::usage ? Exit::data : e.code();
    throw Error(code, path, context + e.what());
  }
}

Json analyze_file(const std::string& path, const AnalysisOptions& options) {
  const AnalysisInput input(path);
  return analyze_input(input, options);
}

}  // namespace audio
