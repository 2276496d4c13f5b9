// eval-analyze-json DIR ANALYSIS.jsonl [--essentia ESSENTIA.jsonl]: scores djb-analyze's
// djb.analysis/1 documents (one per line, as the program printed them) against the
// synthesizer's truth in DIR (NAME.truth.json beside NAME.wav|mp3), and optionally
// essentia.js's estimates for the same files (scripts/eval-essentia's JSON lines), then prints
// one line per file and a table of the figures side by side with their targets. Exit 0 when
// every figure of ours meets its target, 1 when one misses, 64/65/66 on bad use or input.
//
// Conventions: metrics.hpp for tempo, beats and downbeats (tempo figures over constant-tempo
// tracks, beat F-measure +-70 ms from 5 s as mir_eval, downbeats over every beat-bearing
// track); key: the MIREX weighted score (key.hpp) over tracks with one true key (essentia:
// KeyExtractor's default profile; its 'edma' profile on a row of its own); phrases: share of
// true section starts (after the first) with an estimated phrase start within one beat of
// the section's tempo, as eval-phrases; beatless (truth "bpm": null): the right answer is a
// null tempo (essentia always reports one, so it scores a null only with no ticks).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "libaudio/json_out.hpp"
#include "libaudio/key.hpp"
#include "metrics.hpp"

namespace fs = std::filesystem;

namespace {

constexpr double kWindow = 0.07;

std::map<std::string, audio::Json> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot read");
  std::map<std::string, audio::Json> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    audio::Json j = audio::Json::parse(line);
    std::string file;
    if (j.contains("input") && j["input"].is_object())
      file = j["input"].value("path", "");
    else
      file = j.value("file", "");
    out[fs::path(file).filename().string()] = std::move(j);
  }
  return out;
}

std::vector<double> times(const audio::Json& j) {
  return j.is_array() ? j.get<std::vector<double>>() : std::vector<double>{};
}

// Running sums for one analyser; a figure with no denominator prints "n/a".
struct Score {
  int tempo_n = 0, acc1 = 0, acc2 = 0, fine = 0;
  int beat_n = 0;
  double beat_f = 0;
  std::vector<double> beat_offsets;  // per track, seconds
  int down_n = 0, down_right = 0;
  int key_n = 0;
  double key_score = 0, key_edma_score = 0;
  int bound_n = 0, bound_hit = 0;
  int beatless_n = 0, beatless_null = 0;
  int missing = 0;
};

struct Row {
  const char* name;
  double ours;
  std::optional<double> theirs;
  const char* unit;  // "%" or ""
  std::optional<double> target;
};

std::string cell(std::optional<double> v, const char* unit) {
  if (!v) return "n/a";
  char buf[32];
  if (unit[0] == '%')
    std::snprintf(buf, sizeof buf, "%.1f %%", 100 * *v);
  else
    std::snprintf(buf, sizeof buf, "%.3f", *v);
  return buf;
}

// Across tracks: the median and the largest of their median beat offsets, in ms.
double median_ms(std::vector<double> v) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  return 1000 * (v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]));
}
double max_ms(const std::vector<double>& v) {
  return v.empty() ? std::nan("") : 1000 * *std::max_element(v.begin(), v.end());
}

std::optional<double> ratio(double num, int den) {
  return den > 0 ? std::optional<double>(num / den) : std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, ours_path, theirs_path;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--essentia" && i + 1 < args.size())
      theirs_path = args[++i];
    else if (dir.empty())
      dir = args[i];
    else if (ours_path.empty())
      ours_path = args[i];
    else
      dir.clear(), i = args.size();
  }
  if (dir.empty() || ours_path.empty()) {
    std::cerr << "usage: eval-analyze-json DIR ANALYSIS.jsonl [--essentia ESSENTIA.jsonl]\n";
    return 64;
  }
  if (!fs::is_directory(dir)) {
    std::cerr << "eval-analyze-json: " << dir << ": not a directory\n";
    return 66;
  }
  std::map<std::string, audio::Json> ours, theirs;
  try {
    ours = read_lines(ours_path);
    if (!theirs_path.empty()) theirs = read_lines(theirs_path);
  } catch (const std::exception& e) {
    std::cerr << "eval-analyze-json: " << e.what() << "\n";
    return 66;
  }
  const bool with_theirs = !theirs_path.empty();

  std::vector<fs::path> truths;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (f.size() > 11 && f.ends_with(".truth.json")) truths.push_back(e.path());
  }
  std::sort(truths.begin(), truths.end());
  Score us, them;
  std::printf("%-34s %7s | %8s %5s %4s %-9s %5s | %8s %5s %-9s\n", "file", "truth", "bpm", "beatF",
              "bar", "key", "phr", "ess.bpm", "beatF", "ess.key");
  int files = 0;
  for (const fs::path& tp : truths) {
    const std::string stem = tp.filename().string().substr(0, tp.filename().string().size() - 11);
    std::string name;
    for (const char* ext : {".wav", ".flac", ".mp3"})
      if (fs::exists(tp.parent_path() / (stem + ext))) name = stem + ext;
    if (name.empty()) continue;
    ++files;
    const audio::Json truth = audio::read_json_file(tp.string());
    const auto o = ours.find(name);
    const auto t = theirs.find(name);
    const audio::Json* doc = o == ours.end() ? nullptr : &o->second;
    const audio::Json* ess = t == theirs.end() ? nullptr : &t->second;
    if (!doc) ++us.missing;
    if (with_theirs && !ess) ++them.missing;
    static const audio::Json kNull;
    const audio::Json& d = doc ? *doc : kNull;
    const audio::Json& es = ess ? *ess : kNull;

    auto bpm_of = [](const audio::Json& j) -> std::optional<double> {
      if (j.is_object() && j.contains("bpm") && j["bpm"].is_number()) return j["bpm"].get<double>();
      return std::nullopt;
    };
    const std::optional<double> our_bpm = bpm_of(d);
    std::optional<double> their_bpm = bpm_of(es);
    const std::vector<double> our_beats =
        d.is_object() ? times(d.value("beats", audio::Json())) : std::vector<double>{};
    const std::vector<double> their_beats =
        es.is_object() ? times(es.value("ticks", audio::Json())) : std::vector<double>{};
    if (their_bpm && their_beats.empty() && *their_bpm <= 0) their_bpm.reset();

    if (truth["bpm"].is_null()) {
      ++us.beatless_n;
      us.beatless_null += doc && !our_bpm;
      if (ess) {
        ++them.beatless_n;
        them.beatless_null += their_beats.empty();
      }
      std::printf("%-34s %7s | %8s %5s %4s %-9s %5s | %8s\n", name.c_str(), "null",
                  our_bpm ? std::to_string(*our_bpm).substr(0, 7).c_str() : "null", "", "", "", "",
                  ess ? (their_beats.empty() ? "null" : "a tempo") : "");
      continue;
    }
    const double tb = truth["bpm"].get<double>();
    const bool changes = truth.contains("tempo_segments");
    const std::vector<double> ref = truth["beats"].get<std::vector<double>>();
    const std::vector<double> ref_db = truth["downbeats"].get<std::vector<double>>();

    // Tempo, beats, downbeats.
    auto rhythm = [&](Score& s, std::optional<double> bpm, const std::vector<double>& beats) {
      if (!changes) {
        ++s.tempo_n;
        if (bpm) {
          const evalm::TempoScore ts = evalm::score_tempo(*bpm, tb);
          s.acc1 += ts.acc1, s.acc2 += ts.acc2, s.fine += ts.fine;
        }
      }
      ++s.beat_n;
      const double f =
          evalm::f_measure(evalm::trimmed(ref, 5.0), evalm::trimmed(beats, 5.0), kWindow);
      s.beat_f += f;
      const double off = evalm::median_offset(ref, beats, kWindow);
      if (!std::isnan(off)) s.beat_offsets.push_back(off);
      return f;
    };
    const double our_f = rhythm(us, our_bpm, our_beats);
    ++us.down_n;
    const bool bar_ok = doc && evalm::downbeat_phase_right(
                                   ref_db, times(d.value("downbeats", audio::Json())), kWindow);
    us.down_right += bar_ok;
    double their_f = 0;
    if (ess) their_f = rhythm(them, their_bpm, their_beats);

    // Key, on tracks with one true key.
    std::string our_key_name = "-", their_key_name = "-";
    bool modulating = false;
    for (const auto& s : truth.value("sections", audio::Json::array()))
      modulating = modulating || s.contains("key");
    std::optional<audio::Key> true_key;
    if (truth.contains("key") && truth["key"].is_string())
      true_key = audio::parse_key(truth["key"].get<std::string>());
    if (true_key && !modulating) {
      ++us.key_n;
      if (doc && d["key"].is_object()) {
        const auto k = audio::parse_key(d["key"]["name"].get<std::string>());
        our_key_name = d["key"]["camelot"].get<std::string>();
        const double score = k ? audio::mirex_key_score(*true_key, *k) : 0.0;
        us.key_score += score;
        if (score < 1) our_key_name += "/" + true_key->camelot();  // wrong: "ours/truth"
      }
      if (ess) {
        ++them.key_n;
        const auto k = audio::parse_key(es.value("key", "") + " " + es.value("scale", ""));
        if (k) {
          them.key_score += audio::mirex_key_score(*true_key, *k);
          their_key_name = k->camelot();
        }
        const auto ke =
            audio::parse_key(es.value("key_edma", "") + " " + es.value("scale_edma", ""));
        if (ke) them.key_edma_score += audio::mirex_key_score(*true_key, *ke);
      }
    }

    // Phrase boundaries.
    std::string phr = "-";
    if (truth.contains("sections")) {
      const double beat = 60.0 / tb;
      std::vector<double> est;
      if (doc && d["phrases"].is_object() && d["phrases"]["phrases"].is_array()) {
        const auto& ps = d["phrases"]["phrases"];
        for (std::size_t i = 1; i < ps.size(); ++i) est.push_back(ps[i]["start"].get<double>());
      }
      int n = 0, hit = 0;
      const auto& secs = truth["sections"];
      for (std::size_t i = 1; i < secs.size(); ++i) {
        const double b = secs[i].contains("bpm") ? 60.0 / secs[i]["bpm"].get<double>() : beat;
        const double start = secs[i]["start"].get<double>();
        ++n;
        hit += std::any_of(est.begin(), est.end(),
                           [&](double e) { return std::fabs(e - start) <= b; });
      }
      us.bound_n += n, us.bound_hit += hit;
      phr = std::to_string(hit) + "/" + std::to_string(n);
    }
    char ob[16] = "null", eb[16] = "", ef[16] = "";
    if (our_bpm) std::snprintf(ob, sizeof ob, "%.2f", *our_bpm);
    if (ess) {
      if (their_bpm)
        std::snprintf(eb, sizeof eb, "%.2f", *their_bpm);
      else
        std::snprintf(eb, sizeof eb, "null");
      std::snprintf(ef, sizeof ef, "%.3f", their_f);
    }
    std::printf("%-34s %7.2f | %8s %5.3f %4s %-9s %5s | %8s %5s %-9s%s\n", name.c_str(), tb,
                doc ? ob : "MISSING", our_f, bar_ok ? "ok" : "WRONG", our_key_name.c_str(),
                phr.c_str(), eb, ef, ess ? their_key_name.c_str() : "",
                changes ? "  (tempo changes)" : "");
  }
  if (files == 0) {
    std::cerr << "eval-analyze-json: " << dir << ": no NAME.truth.json with audio\n";
    return 66;
  }

  auto maybe = [&](std::optional<double> v) { return with_theirs ? v : std::nullopt; };
  const std::vector<Row> rows = {
      {"tempo Accuracy1 (+-4 %)", *ratio(us.acc1, std::max(1, us.tempo_n)),
       maybe(ratio(them.acc1, them.tempo_n)), "%", 0.98},
      {"tempo Accuracy2 (octave errors allowed)", *ratio(us.acc2, std::max(1, us.tempo_n)),
       maybe(ratio(them.acc2, them.tempo_n)), "%", std::nullopt},
      {"tempo within 0.05 BPM", *ratio(us.fine, std::max(1, us.tempo_n)),
       maybe(ratio(them.fine, them.tempo_n)), "%", 0.90},
      {"beat F-measure (+-70 ms)", *ratio(us.beat_f, std::max(1, us.beat_n)),
       maybe(ratio(them.beat_f, them.beat_n)), "", 0.95},
      {"beat offset from truth, median (ms)", median_ms(us.beat_offsets),
       maybe(median_ms(them.beat_offsets)), "", std::nullopt},
      {"  the same, worst track (ms)", max_ms(us.beat_offsets), maybe(max_ms(them.beat_offsets)),
       "", std::nullopt},
      {"downbeat accuracy", *ratio(us.down_right, std::max(1, us.down_n)), std::nullopt, "%", 0.90},
      {"MIREX weighted key score", *ratio(us.key_score, std::max(1, us.key_n)),
       maybe(ratio(them.key_score, them.key_n)), "", 0.95},
      {"  (essentia with its 'edma' profile)", std::nan(""),
       maybe(ratio(them.key_edma_score, them.key_n)), "", std::nullopt},
      {"phrase boundaries within one beat", *ratio(us.bound_hit, std::max(1, us.bound_n)),
       std::nullopt, "%", 0.80},
      {"beatless -> null tempo", *ratio(us.beatless_null, std::max(1, us.beatless_n)),
       maybe(ratio(them.beatless_null, them.beatless_n)), "%", 1.0},
  };
  std::printf("\n%d files (%d constant-tempo, %d beat-bearing, %d with one key, %d beatless)",
              files, us.tempo_n, us.beat_n, us.key_n, us.beatless_n);
  if (us.missing) std::printf("; %d MISSING from djb-analyze's output", us.missing);
  if (with_theirs && them.missing) std::printf("; %d missing from essentia's output", them.missing);
  std::printf("\n\n%-40s %10s %10s %8s  %s\n", "figure", "ours", with_theirs ? "essentia" : "",
              "target", "ours");
  bool pass = us.missing == 0;
  for (const Row& r : rows) {
    std::string target = "-", verdict;
    if (r.target) {
      target = (r.unit[0] == '%' ? ">= " : ">= ") + cell(r.target, r.unit);
      if (*r.target == 1.0 && r.unit[0] == '%') target = "all";
      // A tiny slack for the rounding of sums of per-file scores, not of the figure.
      const bool ok = r.ours + 1e-9 >= *r.target;
      verdict = ok ? "PASS" : "FAIL";
      pass = pass && ok;
    }
    std::string theirs = with_theirs ? cell(r.theirs, r.unit) : "";
    if (!with_theirs && std::isnan(r.ours)) continue;
    const std::string ours = std::isnan(r.ours) ? "" : cell(r.ours, r.unit);
    std::printf("%-40s %10s %10s %8s  %s\n", r.name, ours.c_str(), theirs.c_str(), target.c_str(),
                verdict.c_str());
  }
  std::printf("targets %s\n", pass ? "met" : "NOT met");
  return pass ? 0 : 1;
}
