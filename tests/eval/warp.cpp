// eval-warp [--depth D] [--cycle S] IN.wav IN.truth.json OUT.wav OUT.truth.json: a rendering
// played as a band without a click plays it, for scripts/make-drift-corpus. The audio is read
// at a speed that swings sinusoidally by +-D (default 0.03: 3 %) around 1 over a cycle of S
// seconds (default 20), like a band pushing into a chorus and settling back; the truth's
// beats and downbeats are carried to where they now sound.
//
// Output second u reads input second s(u) (BandDrift, tests/support/band_drift.hpp); samples
// are interpolated linearly (a speed change of 3 % moves the pitch by half a semitone, so the
// truth drops the key). The truth keeps the piece, its half and its notated bpm, names the corpus
// "drift", says constant_tempo false, and says mean_tempo true where a steady piece keeps its
// notated tempo on average. Exit status: 0, 64 bad use, 65 input not readable as audio or truth, 73
// output not writable.
#include <cmath>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "band_drift.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/sound_writer.hpp"

namespace {

constexpr const char* kProg = "eval-warp";
constexpr const char* kUsage =
    "usage: eval-warp [--depth D] [--cycle S] IN.wav IN.truth.json OUT.wav OUT.truth.json\n";

bool parse_number(const std::string& text, double lo, double hi, double& out) {
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && out >= lo && out <= hi;
}

// Writes the warped audio; returns its duration in seconds.
double warp_audio(const std::string& in, const std::string& out, const BandDrift& w) {
  audio::Decoder decoder(in);
  const int rate = decoder.sample_rate(), ch = decoder.channels();
  std::vector<float> x, chunk(8192 * static_cast<std::size_t>(ch));
  while (const std::size_t n = decoder.read(chunk.data(), 8192))
    x.insert(x.end(), chunk.begin(), chunk.begin() + static_cast<long>(n) * ch);
  const std::size_t frames = x.size() / static_cast<std::size_t>(ch);
  if (frames < 2) throw audio::Error(audio::Exit::data, in, "no audio");
  audio::SoundWriter writer(out, rate, ch, audio::SampleFormat::pcm16, audio::Container::wav);
  std::vector<float> y;
  for (std::size_t i = 0;; ++i) {
    const double s = w.score_time(static_cast<double>(i) / rate) * rate;
    const auto k = static_cast<std::size_t>(s);
    if (k + 1 >= frames) break;
    const double f = s - static_cast<double>(k);
    for (int c = 0; c < ch; ++c)
      y.push_back(static_cast<float>((1 - f) * x[k * ch + c] + f * x[(k + 1) * ch + c]));
    if (y.size() >= chunk.size()) {
      writer.write(y.data(), y.size() / static_cast<std::size_t>(ch));
      y.clear();
    }
  }
  writer.write(y.data(), y.size() / static_cast<std::size_t>(ch));
  writer.commit();
  return static_cast<double>(writer.frames_written()) / rate;
}

audio::Json warp_truth(const std::string& in, const BandDrift& w, double duration) {
  std::ifstream file(in);
  if (!file) throw audio::Error(audio::Exit::no_input, in, "cannot open");
  audio::Json t = audio::Json::parse(file, nullptr, false);
  if (t.is_discarded() || !t.is_object() || !t.contains("beats") || !t["beats"].is_array())
    throw audio::Error(audio::Exit::data, in, "not a truth file with beats");
  auto carry = [&](const audio::Json& times) {
    audio::Json out = audio::Json::array();
    for (const audio::Json& v : times) {
      const double u = w.played_at(v.get<double>());
      if (u <= duration) out.push_back(audio::round_to(u, 6));
    }
    return out;
  };
  t["corpus"] = "drift";
  // A steady piece keeps its notated tempo on average where the mean speed stays within
  // 0.5 % of 1 (whole cycles keep it at exactly 1).
  const double mean_speed = duration > 0 ? w.score_time(duration) / duration : 0;
  t["mean_tempo"] = t.value("constant_tempo", false) && std::fabs(mean_speed - 1) < 0.005;
  t["constant_tempo"] = false;
  t["beats"] = carry(t["beats"]);
  if (t.contains("downbeats") && t["downbeats"].is_array()) t["downbeats"] = carry(t["downbeats"]);
  t["key"] = nullptr;
  t["drift"] = {{"depth", w.depth}, {"cycle", w.cycle}};
  t["duration"] = audio::round_to(duration, 6);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  BandDrift w;
  std::vector<std::string> files;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-h" || args[i] == "--help") {
      std::cout << kUsage;
      return 0;
    }
    double* target = args[i] == "--depth" ? &w.depth : args[i] == "--cycle" ? &w.cycle : nullptr;
    if (target) {
      const bool depth = target == &w.depth;
      if (i + 1 >= args.size() ||
          !parse_number(args[++i], depth ? 0 : 1, depth ? 0.2 : 600, *target)) {
        std::cerr << kProg << ": " << args[i - 1] << ": expected a number ("
                  << (depth ? "0 to 0.2" : "1 to 600 s") << ")\n";
        return 64;
      }
      continue;
    }
    files.push_back(args[i]);
  }
  if (files.size() != 4) {
    std::cerr << kUsage;
    return 64;
  }
  try {
    const double duration = warp_audio(files[0], files[2], w);
    const audio::Json t = warp_truth(files[1], w, duration);
    std::ofstream out(files[3] + ".tmp");
    out << t.dump() << "\n";
    out.close();
    if (!out || std::rename((files[3] + ".tmp").c_str(), files[3].c_str()) != 0)
      throw audio::Error(audio::Exit::cant_create, files[3], "cannot write");
  } catch (const std::exception& e) {
    const audio::Error err = audio::as_error(e, files[0]);
    std::cerr << kProg << ": " << (err.subject().empty() ? "" : err.subject() + ": ") << err.what()
              << "\n";
    return static_cast<int>(err.code());
  }
  return 0;
}
