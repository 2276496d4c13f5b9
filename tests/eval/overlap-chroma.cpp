// eval-overlap-chroma FILE START END: the mean pitch-class profile of FILE between START and
// END seconds, for scripts/eval-render's key-clash figure (the chroma correlation of the two
// tracks over an overlap). Prints one JSON line:
//   {"file", "start", "end", "tuning_cents", "frames", "salience", "chroma": [12, C first]}
//
// The profile is libaudio's chroma (the one djb-analyze's key estimate adds up), so the figure
// shares its front end with the analyser but none of its key decision: the planner's key
// match is judged by what sounds together, not by the keys it read. Only the span is fed to
// the analyser, so the tuning is the span's own and frames never reach outside it. "chroma"
// is the mean of the frames' profiles scaled to a maximum of 1 (a correlation does not need
// the scale, and a reader compares shapes); all zeros when nothing in the span is pitched.
// "salience" is the mean unscaled frame sum (how much pitched content there was at all).
// Exit status: 0, 64 bad use, 65 not decodable audio, 66 a missing input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "libaudio/chroma.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "libaudio/json_out.hpp"

namespace {

constexpr const char* kProg = "eval-overlap-chroma";
constexpr const char* kUsage = "usage: eval-overlap-chroma FILE START END\n";

bool parse_seconds(const std::string& text, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && out >= 0 && out < 1e7;
}

audio::Json span_chroma(const std::string& path, double start, double end) {
  audio::ChromaOptions options;  // its defaults: 22050 Hz in, analysed at half that
  audio::DecodeOptions decode;
  decode.sample_rate = options.sample_rate;
  decode.channels = 1;
  audio::Decoder decoder(path, decode);
  audio::ChromaAnalyzer analyzer(options);
  const auto first = static_cast<std::int64_t>(start * options.sample_rate + 0.5);
  const auto last = static_cast<std::int64_t>(end * options.sample_rate + 0.5);
  std::vector<float> chunk(8192);
  std::int64_t at = 0;
  while (at < last) {
    const std::size_t n = decoder.read(chunk.data(), chunk.size());
    if (n == 0) break;
    const std::int64_t from = std::max(first, at), to = std::min(last, at + std::int64_t(n));
    if (to > from) analyzer.push(chunk.data() + (from - at), static_cast<std::size_t>(to - from));
    at += static_cast<std::int64_t>(n);
  }
  if (at <= first)
    throw audio::Error(audio::Exit::data, path, "ends before " + audio::Json(start).dump() + " s");
  const audio::ChromaResult r = analyzer.finish();

  audio::PitchClassProfile mean{};
  double salience = 0;
  for (std::size_t i = 0; i < r.frames.size(); ++i) {
    for (int c = 0; c < 12; ++c) mean[c] += r.frames[i][c];
    salience += r.salience(i);
  }
  const float top = *std::max_element(mean.begin(), mean.end());
  audio::Json chroma = audio::Json::array();
  for (float v : mean) chroma.push_back(top > 0 ? audio::round_to(v / top, 4) : 0.0);

  audio::Json j;
  j["file"] = path;
  j["start"] = audio::round_seconds(start);
  j["end"] = audio::round_seconds(std::min(end, double(at) / options.sample_rate));
  j["tuning_cents"] = audio::round_to(r.tuning_cents, 1);
  j["frames"] = r.frames.size();
  j["salience"] = audio::round_to(r.frames.empty() ? 0.0 : salience / double(r.frames.size()), 5);
  j["chroma"] = chroma;
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kUsage
              << "The mean 12-bin chroma (C first, scaled to a maximum of 1) of FILE between\n"
                 "START and END seconds, as one JSON line on stdout.\n";
    return 0;
  }
  double start = 0, end = 0;
  if (args.size() != 3 || !parse_seconds(args[1], start) || !parse_seconds(args[2], end) ||
      end <= start) {
    std::cerr << kUsage;
    return 64;
  }
  try {
    audio::write_json_line(std::cout, span_chroma(args[0], start, end));
  } catch (const std::exception& e) {
    const audio::Error err = audio::as_error(e, args[0]);
    std::cerr << kProg << ": " << args[0] << ": " << err.what() << "\n";
    return static_cast<int>(err.code());
  }
  return 0;
}
