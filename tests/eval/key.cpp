// eval-key DIR: accuracy and speed of the key analysis (chroma + key) on a directory of
// NAME.wav|NAME.mp3|NAME.flac + NAME.truth.json (scripts/make-key-corpus makes one).
// Prints one line per file, then the MIREX weighted key score (1 correct, 0.5 fifth above,
// 0.3 relative, 0.2 parallel), accuracy, how often each mode was chosen, the key-segment
// check on tracks whose truth has per-section keys, and the time taken.
// --reference FILE.jsonl (from scripts/eval-essentia) adds another analyser's estimates
// side by side, scored the same way on the same files.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <vector>

#include "libaudio/chroma.hpp"
#include "libaudio/cli.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/key.hpp"

namespace fs = std::filesystem;

namespace {

// Times are this thread's CPU time, not wall time: the figure to compare with "N x real time
// on one core" even on a machine busy with other work.
struct Clock {
  using time_point = double;
  static double now() {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
  }
};

struct Case {
  std::string name, audio;
  audio::Json truth;
};

std::vector<Case> find_cases(const std::string& dir) {
  std::vector<Case> out;
  std::vector<fs::path> truths;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw audio::Error(audio::Exit::no_input, dir, "not a directory");
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (f.size() > 11 && f.ends_with(".truth.json")) truths.push_back(e.path());
  }
  std::sort(truths.begin(), truths.end());
  for (const auto& t : truths) {
    const std::string f = t.filename().string();
    const std::string name = f.substr(0, f.size() - 11);
    for (const char* ext : {".wav", ".flac", ".mp3"}) {
      const fs::path a = t.parent_path() / (name + ext);
      if (fs::exists(a)) {
        out.push_back({name, a.string(), audio::read_json_file(t.string())});
        break;
      }
    }
  }
  return out;
}

struct Tally {
  double score = 0;
  int n = 0, correct = 0, fifth = 0, relative = 0, parallel = 0, other = 0, none = 0;
  int minor_chosen = 0, major_chosen = 0;
  void add(const audio::Key& truth, const std::optional<audio::Key>& est) {
    ++n;
    if (!est) {
      ++none;
      return;
    }
    (est->mode == audio::Mode::minor ? minor_chosen : major_chosen)++;
    const double s = audio::mirex_key_score(truth, *est);
    score += s;
    if (s == 1.0)
      ++correct;
    else if (s == 0.5)
      ++fifth;
    else if (s == 0.3)
      ++relative;
    else if (s == 0.2)
      ++parallel;
    else
      ++other;
  }
  void print(const char* who) const {
    std::printf(
        "%-10s MIREX %.4f  accuracy %.4f  (%d files: %d correct, %d fifth, %d relative, %d "
        "parallel, %d other, %d no key)  chose minor %d, major %d\n",
        who, n ? score / n : 0.0, n ? double(correct) / n : 0.0, n, correct, fifth, relative,
        parallel, other, none, minor_chosen, major_chosen);
  }
};

std::string short_key(const std::optional<audio::Key>& k) {
  return k ? k->name() + " (" + k->camelot() + ")" : std::string("none");
}

}  // namespace

int main(int argc, char** argv) {
  audio::cli::Tool tool("eval-key", "Key-analysis accuracy and speed on a corpus with truth");
  CLI::App& app = tool.app();
  std::string dir, reference, profile = "ensemble";
  audio::ChromaOptions copt = audio::key_chroma_options();  // as djb-analyze takes it
  audio::KeyOptions kopt;
  app.add_option("DIR", dir, "Directory of NAME.wav|mp3 + NAME.truth.json")->required();
  app.add_option("--reference", reference, "JSON Lines of another analyser (eval-essentia)");
  app.add_option("--profile", profile, "edma, krumhansl, temperley, bgate or ensemble");
  app.add_option("--n-fft", copt.n_fft, "Chroma FFT size");
  app.add_option("--hop", copt.hop, "Chroma hop");
  app.add_option("--peak-ratio", copt.peak_ratio, "Peak threshold over the local mean");
  app.add_option("--min-segment", kopt.min_segment_seconds, "Shortest key segment (s)");
  app.add_option("--min-gain", kopt.min_segment_gain, "Correlation gain to split");
  return tool.run(argc, argv, [&]() -> audio::Exit {
    if (profile == "krumhansl") {
      kopt.profile = audio::KeyProfile::krumhansl;
    } else if (profile == "bgate") {
      kopt.profile = audio::KeyProfile::bgate;
    } else if (profile == "edma") {
      kopt.profile = audio::KeyProfile::edma;
    } else if (profile == "temperley") {
      kopt.profile = audio::KeyProfile::temperley;
    } else if (profile == "ensemble") {
      kopt.profile = audio::KeyProfile::ensemble;
    } else {
      throw audio::Error(audio::Exit::usage, profile, "unknown profile");
    }
    std::map<std::string, audio::Json> ref;
    if (!reference.empty()) {
      std::ifstream in(reference);
      if (!in) throw audio::Error(audio::Exit::no_input, reference, "cannot read");
      std::string line;
      while (std::getline(in, line)) {
        if (line.empty()) continue;
        auto j = audio::Json::parse(line);
        ref[fs::path(j.value("file", "")).filename().string()] = j;
      }
    }
    const auto cases = find_cases(dir);
    if (cases.empty())
      throw audio::Error(audio::Exit::no_input, dir, "no NAME.truth.json with audio");
    Tally ours, theirs, theirs_edma, ours_on_ref;
    double ref_time = 0, ref_audio = 0;
    double audio_seconds = 0, decode_time = 0, key_time = 0, worst_key_time_ratio = 0;
    int seg_files = 0, seg_right = 0, steady_files = 0, steady_one_segment = 0;
    double worst_boundary_bars = 0;
    std::vector<float> buf(4096);
    for (const auto& c : cases) {
      // Material without a key (beatless noise, speech) is scored by eval-analyze instead.
      if (!c.truth.contains("key") || !c.truth["key"].is_string()) continue;
      const auto truth = audio::parse_key(c.truth.at("key").get<std::string>());
      if (!truth) throw audio::Error(audio::Exit::data, c.name, "truth key unreadable");
      // Streamed as djb-analyze will: decode a chunk, analyse it; the two costs timed apart.
      audio::ChromaAnalyzer chroma(copt);
      double dt = 0, kt = 0;
      std::size_t frames = 0;
      auto t0 = Clock::now();
      {
        audio::Decoder dec(c.audio, {22050, 1, -1});
        for (;;) {
          const std::size_t got = dec.read(buf.data(), buf.size());
          auto t1 = Clock::now();
          dt += (t1 - t0);
          if (got == 0) break;
          chroma.push(buf.data(), got);
          frames += got;
          t0 = Clock::now();
          kt += (t0 - t1);
        }
      }
      t0 = Clock::now();
      const auto result = audio::analyze_key(chroma.finish(), kopt);
      kt += (Clock::now() - t0);
      const double secs = double(frames) / 22050.0;
      audio_seconds += secs;
      decode_time += dt;
      key_time += kt;
      worst_key_time_ratio = std::max(worst_key_time_ratio, kt / secs);

      std::optional<audio::Key> est;
      if (result.estimate) est = result.estimate->key;
      // Tracks with per-section keys are judged on their segments, not on one key.
      bool modulating = false;
      for (const auto& s : c.truth.value("sections", audio::Json::array()))
        if (s.contains("key")) modulating = true;
      std::string line = c.name;
      line.resize(std::max<std::size_t>(line.size(), 34), ' ');
      std::printf("%s truth %-9s ours %-15s", line.c_str(), truth->name().c_str(),
                  short_key(est).c_str());
      if (result.estimate)
        std::printf(" conf %.3f 2nd %-9s", result.estimate->confidence,
                    result.estimate->second.name().c_str());
      else
        std::printf(" (%s)", result.reason.c_str());
      if (!modulating) {
        ++steady_files;
        if (result.estimate && result.estimate->segments.size() == 1) ++steady_one_segment;
        if (result.estimate && result.estimate->segments.size() > 1)
          std::printf(" [%zu segments]", result.estimate->segments.size());
        ours.add(*truth, est);
        std::printf(" %.1f", est ? audio::mirex_key_score(*truth, *est) : 0.0);
      }
      const auto r = ref.find(fs::path(c.audio).filename().string());
      if (r != ref.end() && !modulating) {
        std::optional<audio::Key> theirs_key;
        if (r->second.contains("key") && r->second.contains("scale"))
          theirs_key = audio::parse_key(r->second["key"].get<std::string>() + " " +
                                        r->second["scale"].get<std::string>());
        theirs.add(*truth, theirs_key);
        ref_time += r->second.value("seconds", 0.0);
        ref_audio += r->second.value("audio_seconds", 0.0);
        if (r->second.contains("key_edma"))
          theirs_edma.add(*truth, audio::parse_key(r->second["key_edma"].get<std::string>() + " " +
                                                   r->second["scale_edma"].get<std::string>()));
        ours_on_ref.add(*truth, est);
        std::printf(" | ref %-9s %.1f", theirs_key ? theirs_key->name().c_str() : "none",
                    theirs_key ? audio::mirex_key_score(*truth, *theirs_key) : 0.0);
      }
      std::printf(" | %4.0f+%3.0f ms\n", dt * 1000, kt * 1000);

      if (modulating) {
        // Expected: one segment per run of sections in the same key; boundaries where the
        // key changes.
        ++seg_files;
        const double bar = 240.0 / c.truth.at("bpm").get<double>();
        std::vector<std::pair<double, audio::Key>> runs;
        for (const auto& s : c.truth["sections"]) {
          const auto k = s.contains("key") ? audio::parse_key(s["key"].get<std::string>()) : truth;
          if (runs.empty() || !(runs.back().second == *k))
            runs.push_back({s["start"].get<double>(), *k});
        }
        const auto& segs =
            result.estimate ? result.estimate->segments : std::vector<audio::KeySegment>{};
        bool ok = segs.size() == runs.size();
        double worst = 0;
        for (std::size_t i = 0; ok && i < runs.size(); ++i) {
          ok = segs[i].key == runs[i].second;
          if (i > 0) worst = std::max(worst, std::abs(segs[i].start - runs[i].first) / bar);
        }
        if (ok) {
          ++seg_right;
          worst_boundary_bars = std::max(worst_boundary_bars, worst);
        }
        std::printf("    segments:");
        for (const auto& s : segs)
          std::printf(" [%.1f-%.1f %s]", s.start, s.end, s.key.name().c_str());
        std::printf("  expected:");
        for (const auto& rr : runs) std::printf(" [%.1f %s]", rr.first, rr.second.name().c_str());
        std::printf("  %s, worst boundary %.2f bars\n", ok ? "right" : "WRONG", worst);
      }
    }
    std::printf("\n");
    ours.print("ours");
    if (theirs.n) {
      ours_on_ref.print("ours*");
      theirs.print("reference");
      if (theirs_edma.n) theirs_edma.print("ref-edma");
      if (ref_time > 0)
        std::printf(
            "reference time (wall, as it reported): %.1f s for %.1f s of audio (%.0fx real time)\n",
            ref_time, ref_audio, ref_audio / ref_time);
      std::printf("(* the files the reference analysed)\n");
    }
    std::printf("key segments: %d of %d steady tracks in one segment", steady_one_segment,
                steady_files);
    if (seg_files)
      std::printf("; %d of %d modulating tracks right, worst boundary %.2f bars", seg_right,
                  seg_files, worst_boundary_bars);
    std::printf("\n");
    std::printf(
        "speed (CPU time, one thread): %.1f s of audio; decode %.3f s (%.0fx real time), key %.3f "
        "s (%.0fx real time, "
        "%.1f ms per 4 min; slowest file %.0fx)\n",
        audio_seconds, decode_time, audio_seconds / decode_time, key_time, audio_seconds / key_time,
        key_time / audio_seconds * 240 * 1000, 1.0 / worst_key_time_ratio);
    return audio::Exit::ok;
  });
}
