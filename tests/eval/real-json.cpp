// eval-real-json: scores djb-analyze and its peers on the real-music corpora and prints one
// table. Usage:
//   eval-real-json --ours OURS.jsonl [--ours-speed X | --ours-timing TIMING.jsonl]
//                  [--peer NAME=PEER.jsonl]... [--half tuning|held-out|all] [--per-file] DIR...
// Each DIR holds NAME.wav + NAME.truth.json ("eval.truth/1": corpus, half, bpm,
// constant_tempo, beats, downbeats, key, duration; or "consensus": true for recordings
// without truth). OURS.jsonl: djb-analyze's djb.analysis/1 lines; PEER.jsonl: lines
// {"file", "bpm", "beats", "downbeats" (array or null), "key" (string or null), "seconds",
// "audio_seconds"} (scripts/eval-peers). TIMING.jsonl: lines {"dir", "seconds"}, the wall
// time of djb-analyze over DIR (the audio seconds come from the truth's durations).
//
// Conventions (metrics.hpp): tempo Accuracy1 within 4 %, Accuracy2 also at x2, x3, x1/2,
// x1/3, over constant-tempo items and drifting ones whose mean tempo is known ("mean_tempo"),
// "fine" within 0.05 BPM over constant-tempo items only; beat and downbeat
// F-measure +-70 ms after dropping everything before 5 s, over items whose truth has them;
// key: the MIREX weighted score over items with a true key. Speed: audio seconds / seconds.
// An item an analyser has no line for counts as wrong on every figure and is reported.
// Items are matched to lines by their folder name and file name. Consensus corpora: the
// reference tempo is the mean of the peers that agree within 4 % (the largest agreeing
// group, at least two); ours is scored by agreement with it within 4 %, and each peer by
// agreement with the consensus of the other peers, for reference. Their beats are scored the
// same way: against the beats of the two other analysers that agree best (F-measure at least
// 0.8 between them), where any two do. Targets (for the midi, revoiced and consensus corpora;
// the drift corpus is measured only) are judged on the held-out half when the run has one,
// else on what it has.
// Exit status: 0 whenever the scoring ran (the table is the product), 64 bad use, 65 bad
// JSON, 66 a missing input.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "libaudio/json_out.hpp"
#include "libaudio/key.hpp"
#include "metrics.hpp"

namespace fs = std::filesystem;

namespace {

constexpr double kWindow = 0.07;
constexpr double kTrim = 5.0;
constexpr double kAgree = 0.04;
const char* const kHalves[] = {"tuning", "held-out", "both"};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct InputError : std::runtime_error {
  int code;
  InputError(int c, const std::string& m) : std::runtime_error(m), code(c) {}
};

// One analyser's answer for one file.
struct Entry {
  std::optional<double> bpm;
  std::vector<double> beats;
  std::optional<std::vector<double>> downbeats;
  std::optional<audio::Key> key;
  std::optional<double> bpm_confidence, key_confidence;
  double seconds = 0, audio_seconds = 0;
};

// The matching key of a file: "FOLDER/NAME" (corpora share file names, not folders).
std::string match_key(const fs::path& p) {
  return p.parent_path().filename().string() + "/" + p.filename().string();
}

std::vector<double> number_array(const audio::Json& j) {
  std::vector<double> v;
  if (j.is_array())
    for (const auto& x : j)
      if (x.is_number()) v.push_back(x.get<double>());
  std::sort(v.begin(), v.end());
  return v;
}

std::optional<double> number(const audio::Json& j, const char* field) {
  if (j.is_object() && j.contains(field) && j[field].is_number()) return j[field].get<double>();
  return std::nullopt;
}

Entry parse_entry(const audio::Json& j) {
  Entry e;
  e.bpm = number(j, "bpm");
  if (e.bpm && *e.bpm <= 0) e.bpm.reset();
  e.beats = number_array(j.value("beats", audio::Json()));
  if (j.contains("downbeats") && j["downbeats"].is_array())
    e.downbeats = number_array(j["downbeats"]);
  e.bpm_confidence = number(j, "bpm_confidence");
  if (j.contains("key")) {
    const audio::Json& k = j["key"];
    if (k.is_object()) {  // ours: {"name", "confidence", ...}
      if (k.contains("name") && k["name"].is_string())
        e.key = audio::parse_key(k["name"].get<std::string>());
      e.key_confidence = number(k, "confidence");
    } else if (k.is_string()) {
      e.key = audio::parse_key(k.get<std::string>());
    }
  }
  e.seconds = number(j, "seconds").value_or(0);
  e.audio_seconds = number(j, "audio_seconds").value_or(0);
  return e;
}

std::map<std::string, Entry> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(66, path + ": cannot read");
  std::map<std::string, Entry> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    audio::Json j;
    try {
      j = audio::Json::parse(line);
    } catch (const std::exception&) {
      throw InputError(65, path + ":" + std::to_string(n) + ": not JSON");
    }
    std::string file;
    if (j.contains("input") && j["input"].is_object())
      file = j["input"].value("path", "");
    else
      file = j.value("file", "");
    if (file.empty()) throw InputError(65, path + ":" + std::to_string(n) + ": no file path");
    out[match_key(file)] = parse_entry(j);
  }
  return out;
}

struct Item {
  std::string dir, corpus, name, half, key;  // key: match_key of the audio
  audio::Json truth;
  bool consensus = false;
  double duration = 0;
};

// Running sums of one analyser over one group of items; a figure without items is "n/a".
struct Stats {
  int n = 0, missing = 0;
  int tempo_n = 0, acc1 = 0, acc2 = 0, fine_n = 0, fine = 0;
  int beat_n = 0, down_n = 0, key_n = 0;
  double beat_f = 0, down_f = 0, key = 0;
  double audio_seconds = 0, seconds = 0;
  int cons_n = 0, agree = 0;  // consensus corpora
  int cbeat_n = 0;            // ... items whose beats two other analysers agree on
  double cbeat_f = 0;         // ... and the beat F-measure against those beats
};

std::optional<double> ratio(double num, int den) {
  return den > 0 ? std::optional<double>(num / den) : std::nullopt;
}

std::string fmt(std::optional<double> v, const char* f = "%.3f") {
  if (!v || std::isnan(*v)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, f, *v);
  return buf;
}

bool agree(double a, double b) {
  return std::fabs(a - b) <= kAgree * 0.5 * (a + b);
}

// The consensus tempo of the given estimates: the mean of the largest group that agrees
// pairwise within 4 % (at least two; the tightest group on a tie), or nothing.
std::optional<double> consensus(const std::vector<double>& bpms) {
  const std::size_t n = bpms.size();
  if (n < 2 || n > 16) return std::nullopt;
  std::optional<double> best;
  std::size_t best_size = 0;
  double best_spread = 0;
  for (unsigned mask = 1; mask < (1u << n); ++mask) {
    std::vector<double> g;
    for (std::size_t i = 0; i < n; ++i)
      if (mask & (1u << i)) g.push_back(bpms[i]);
    if (g.size() < 2) continue;
    bool ok = true;
    for (std::size_t i = 0; i < g.size() && ok; ++i)
      for (std::size_t k = i + 1; k < g.size() && ok; ++k) ok = agree(g[i], g[k]);
    if (!ok) continue;
    const auto [lo, hi] = std::minmax_element(g.begin(), g.end());
    const double spread = (*hi - *lo) / *lo;
    if (g.size() > best_size || (g.size() == best_size && spread < best_spread)) {
      double sum = 0;
      for (double b : g) sum += b;
      best = sum / static_cast<double>(g.size());
      best_size = g.size();
      best_spread = spread;
    }
  }
  return best;
}

// The consensus beats of the given beat lists: those of the pair that agree best, when their
// F-measure (70 ms) reaches kBeatAgree; else nothing. On recordings without a beat truth this
// is where the beat is, as far as two independent trackers can tell.
constexpr double kBeatAgree = 0.8;
std::optional<std::vector<double>> consensus_beats(
    const std::vector<const std::vector<double>*>& lists) {
  std::optional<std::vector<double>> best;
  double best_f = kBeatAgree;
  for (std::size_t i = 0; i < lists.size(); ++i)
    for (std::size_t k = i + 1; k < lists.size(); ++k) {
      const std::vector<double> a = evalm::trimmed(*lists[i], kTrim),
                                b = evalm::trimmed(*lists[k], kTrim);
      if (a.empty() || b.empty()) continue;
      const double f = evalm::f_measure(a, b, kWindow);
      if (f >= best_f) {
        best_f = f;
        best = a;
      }
    }
  return best;
}

struct Options {
  std::string ours_path, timing_path, half = "all";
  std::optional<double> ours_speed;
  std::vector<std::pair<std::string, std::string>> peers;  // name, path
  std::vector<std::string> dirs;
  bool per_file = false;
};

Options parse_args(const std::vector<std::string>& args) {
  Options o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) throw UsageError(a + " needs a value");
      return args[++i];
    };
    if (a == "--ours") {
      o.ours_path = value();
    } else if (a == "--ours-timing") {
      o.timing_path = value();
    } else if (a == "--ours-speed") {
      const std::string v = value();
      try {
        o.ours_speed = std::stod(v);
      } catch (const std::exception&) {
        throw UsageError("--ours-speed " + v + ": not a number");
      }
    } else if (a == "--peer") {
      const std::string v = value();
      const auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0 || eq + 1 == v.size())
        throw UsageError("--peer " + v + ": expected NAME=FILE");
      o.peers.emplace_back(v.substr(0, eq), v.substr(eq + 1));
    } else if (a == "--half") {
      o.half = value();
      if (o.half != "tuning" && o.half != "held-out" && o.half != "all")
        throw UsageError("--half " + o.half + ": expected tuning, held-out or all");
    } else if (a == "--per-file") {
      o.per_file = true;
    } else if (a.size() > 1 && a[0] == '-') {
      throw UsageError(a + ": unknown option");
    } else {
      o.dirs.push_back(a);
    }
  }
  if (o.ours_path.empty()) throw UsageError("--ours is required");
  if (o.dirs.empty()) throw UsageError("no corpus directory");
  return o;
}

constexpr const char* kUsage =
    "usage: eval-real-json --ours OURS.jsonl [--ours-speed X | --ours-timing TIMING.jsonl]\n"
    "                      [--peer NAME=PEER.jsonl]... [--half tuning|held-out|all]\n"
    "                      [--per-file] DIR...\n";

std::vector<Item> read_items(const Options& o) {
  std::vector<Item> items;
  for (const std::string& dir : o.dirs) {
    if (!fs::is_directory(dir)) throw InputError(66, dir + ": not a directory");
    std::vector<fs::path> truths;
    for (const auto& e : fs::directory_iterator(dir)) {
      const std::string f = e.path().filename().string();
      if (f.size() > 11 && f.ends_with(".truth.json")) truths.push_back(e.path());
    }
    std::sort(truths.begin(), truths.end());
    for (const fs::path& tp : truths) {
      const std::string f = tp.filename().string();
      const std::string stem = f.substr(0, f.size() - 11);
      fs::path audio_path;
      for (const char* ext : {".wav", ".flac", ".mp3"})
        if (audio_path.empty() && fs::exists(tp.parent_path() / (stem + ext)))
          audio_path = tp.parent_path() / (stem + ext);
      if (audio_path.empty()) continue;
      Item it;
      try {
        it.truth = audio::read_json_file(tp.string());
      } catch (const std::exception& e) {
        throw InputError(65, tp.string() + ": " + e.what());
      }
      if (!it.truth.is_object()) throw InputError(65, tp.string() + ": not a JSON object");
      it.dir = dir;
      it.name = stem;
      it.key = match_key(audio_path);
      it.corpus = it.truth.value("corpus", fs::path(dir).lexically_normal().filename().string());
      if (it.corpus.empty()) it.corpus = fs::absolute(dir).parent_path().filename().string();
      it.half = it.truth.value("half", "");
      it.consensus = it.truth.value("consensus", false);
      it.duration = number(it.truth, "duration").value_or(0);
      if (o.half != "all" && it.half != o.half) continue;
      items.push_back(std::move(it));
    }
  }
  return items;
}

// Wall seconds of djb-analyze per corpus directory (--ours-timing).
std::map<std::string, double> read_timing(const std::string& path) {
  std::map<std::string, double> out;
  if (path.empty()) return out;
  std::ifstream in(path);
  if (!in) throw InputError(66, path + ": cannot read");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      const audio::Json j = audio::Json::parse(line);
      out[fs::weakly_canonical(j.at("dir").get<std::string>()).string()] +=
          j.at("seconds").get<double>();
    } catch (const std::exception&) {
      throw InputError(65, path + ": expected lines {\"dir\", \"seconds\"}");
    }
  }
  return out;
}

std::string key_name(const std::optional<audio::Key>& k) {
  return k ? k->camelot() : "-";
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<Item> items;
  std::map<std::string, Entry> ours;
  std::vector<std::map<std::string, Entry>> peer_lines;
  std::map<std::string, double> timing;
  try {
    o = parse_args(std::vector<std::string>(argv + 1, argv + argc));
    items = read_items(o);
    ours = read_lines(o.ours_path);
    for (const auto& [name, path] : o.peers) peer_lines.push_back(read_lines(path));
    timing = read_timing(o.timing_path);
  } catch (const UsageError& e) {
    std::cerr << "eval-real-json: " << e.what() << "\n" << kUsage;
    return 64;
  } catch (const InputError& e) {
    std::cerr << "eval-real-json: " << e.what() << "\n";
    return e.code;
  }
  if (items.empty()) {
    std::cerr << "eval-real-json: no NAME.truth.json with audio"
              << (o.half != "all" ? " in the " + o.half + " half" : "") << "\n";
    return 66;
  }

  // Analysers: 0 is ours, then the peers in the order given.
  std::vector<std::string> names = {"djb-analyze"};
  std::vector<const std::map<std::string, Entry>*> lines = {&ours};
  for (std::size_t p = 0; p < o.peers.size(); ++p) {
    names.push_back(o.peers[p].first);
    lines.push_back(&peer_lines[p]);
  }
  const std::size_t na = names.size();
  // A peer that never reports downbeats (or a key) has no such figure: n/a, not 0.
  std::vector<bool> has_downbeats(na, false), has_key(na, false);
  has_downbeats[0] = has_key[0] = true;
  for (std::size_t a = 1; a < na; ++a)
    for (const auto& [k, e] : *lines[a]) {
      has_downbeats[a] = has_downbeats[a] || e.downbeats;
      has_key[a] = has_key[a] || e.key;
    }

  // stats[corpus][half][analyser]
  std::map<std::string, std::map<std::string, std::vector<Stats>>> stats;
  std::vector<std::string> corpora;  // in order of first appearance
  std::map<std::string, bool> is_consensus;
  std::map<std::string, std::string> corpus_dir;
  std::vector<std::vector<std::string>> missing(na);
  struct Conf {
    double confidence, score;
  };
  std::vector<Conf> tempo_conf, key_conf;

  if (o.per_file)
    std::printf("%-36s %-8s %7s | %-12s %-24s %-24s\n", "file", "half", "truth", "analyser",
                "bpm / beatF / downF", "key (ours/truth)");
  for (const Item& it : items) {
    if (std::find(corpora.begin(), corpora.end(), it.corpus) == corpora.end())
      corpora.push_back(it.corpus);
    is_consensus[it.corpus] = is_consensus[it.corpus] || it.consensus;
    corpus_dir.emplace(it.corpus, it.dir);
    auto& by_half = stats[it.corpus];
    for (const char* h : kHalves) by_half[h].resize(na);
    std::vector<std::string> halves = {"both"};
    if (it.half == "tuning" || it.half == "held-out") halves.push_back(it.half);

    std::vector<const Entry*> ent(na, nullptr);
    for (std::size_t a = 0; a < na; ++a) {
      const auto f = lines[a]->find(it.key);
      if (f != lines[a]->end()) ent[a] = &f->second;
      if (!ent[a]) missing[a].push_back(it.key);
    }

    const audio::Json& t = it.truth;
    const std::optional<double> truth_bpm = number(t, "bpm");
    const bool constant = t.value("constant_tempo", false) && truth_bpm;
    // A drifting rendering of a constant-tempo piece keeps its tempo on average only: it
    // counts for Accuracy1/2, not for the 0.05 BPM figure.
    const bool mean_tempo = !constant && t.value("mean_tempo", false) && truth_bpm;
    const std::vector<double> ref_beats = number_array(t.value("beats", audio::Json()));
    const std::vector<double> ref_down = number_array(t.value("downbeats", audio::Json()));
    std::optional<audio::Key> true_key;
    if (t.contains("key") && t["key"].is_string())
      true_key = audio::parse_key(t["key"].get<std::string>());

    // Consensus tempo: all peers, and all peers but one (for that peer's own agreement).
    std::optional<double> cons;
    std::vector<std::optional<double>> cons_without(na);
    // Consensus beats: all peers' for ours, the other peers' for a peer.
    std::vector<std::optional<std::vector<double>>> beats_without(na);
    if (it.consensus) {
      for (std::size_t x = 0; x < na; ++x) {
        std::vector<const std::vector<double>*> others;
        for (std::size_t a = 1; a < na; ++a)
          if (a != x && ent[a] && !ent[a]->beats.empty()) others.push_back(&ent[a]->beats);
        beats_without[x] = consensus_beats(others);
      }
      std::vector<double> all;
      for (std::size_t a = 1; a < na; ++a)
        if (ent[a] && ent[a]->bpm) all.push_back(*ent[a]->bpm);
      cons = consensus(all);
      for (std::size_t x = 1; x < na; ++x) {
        std::vector<double> others;
        for (std::size_t a = 1; a < na; ++a)
          if (a != x && ent[a] && ent[a]->bpm) others.push_back(*ent[a]->bpm);
        cons_without[x] = consensus(others);
      }
    }

    for (std::size_t a = 0; a < na; ++a) {
      const Entry* e = ent[a];
      std::string detail;
      char buf[96];
      double beat_f = 0, down_f = 0;
      std::optional<double> key_score;
      for (const std::string& h : halves) {
        Stats& s = by_half[h][a];
        ++s.n;
        s.missing += !e;
        if (e) s.seconds += e->seconds, s.audio_seconds += e->audio_seconds;
        if (a == 0) s.audio_seconds += it.duration;  // ours: timed per directory
        if (it.consensus) {
          const std::optional<double> ref = a == 0 ? cons : cons_without[a];
          if (ref) {
            ++s.cons_n;
            s.agree += e && e->bpm && evalm::score_tempo(*e->bpm, *ref).acc1;
          }
          if (beats_without[a]) {
            ++s.cbeat_n;
            s.cbeat_f +=
                e ? evalm::f_measure(*beats_without[a], evalm::trimmed(e->beats, kTrim), kWindow)
                  : 0;
          }
          continue;
        }
        if (constant || mean_tempo) {
          ++s.tempo_n;
          s.fine_n += constant;
          if (e && e->bpm) {
            const evalm::TempoScore ts = evalm::score_tempo(*e->bpm, *truth_bpm);
            s.acc1 += ts.acc1, s.acc2 += ts.acc2, s.fine += constant && ts.fine;
          }
        }
        if (!ref_beats.empty()) {
          ++s.beat_n;
          beat_f = e ? evalm::f_measure(evalm::trimmed(ref_beats, kTrim),
                                        evalm::trimmed(e->beats, kTrim), kWindow)
                     : 0;
          s.beat_f += beat_f;
        }
        if (!ref_down.empty() && has_downbeats[a]) {
          ++s.down_n;
          down_f = e && e->downbeats
                       ? evalm::f_measure(evalm::trimmed(ref_down, kTrim),
                                          evalm::trimmed(*e->downbeats, kTrim), kWindow)
                       : 0;
          s.down_f += down_f;
        }
        if (true_key && has_key[a]) {
          ++s.key_n;
          key_score = e && e->key ? audio::mirex_key_score(*true_key, *e->key) : 0.0;
          s.key += *key_score;
        }
      }
      // Confidence quartiles (ours, items with truth).
      if (a == 0 && !it.consensus) {
        if (constant)
          tempo_conf.push_back(
              {e ? e->bpm_confidence.value_or(0) : 0,
               e && e->bpm && evalm::score_tempo(*e->bpm, *truth_bpm).acc1 ? 1.0 : 0.0});
        if (true_key)
          key_conf.push_back({e ? e->key_confidence.value_or(0) : 0, key_score.value_or(0)});
      }
      if (!o.per_file) continue;
      if (!e) {
        detail = "MISSING";
      } else {
        std::snprintf(buf, sizeof buf, "%7s", fmt(e->bpm, "%.2f").c_str());
        detail = buf;
        if (it.consensus) {
          detail += a == 0 ? "  consensus " + fmt(cons, "%.2f")
                           : "  others " + fmt(cons_without[a], "%.2f");
        } else {
          std::snprintf(buf, sizeof buf, " %5.3f %5s", beat_f,
                        !ref_down.empty() && has_downbeats[a] ? fmt(down_f).c_str() : "-");
          detail += buf;
        }
      }
      std::string key_text = e ? key_name(e->key) : "";
      if (true_key && key_score && *key_score < 1) key_text += "/" + true_key->camelot();
      std::printf("%-36s %-8s %7s | %-12s %-24s %-24s\n", a == 0 ? it.key.c_str() : "",
                  a == 0 ? it.half.c_str() : "", a == 0 ? fmt(truth_bpm, "%.2f").c_str() : "",
                  names[a].c_str(), detail.c_str(), key_text.c_str());
    }
  }
  if (o.per_file) std::printf("\n");

  // Our speed per corpus: --ours-speed, or the timing file's wall seconds for its folder.
  auto ours_speed = [&](const std::string& corpus, const Stats& s) -> std::optional<double> {
    if (o.ours_speed) return *o.ours_speed;
    const auto t = timing.find(fs::weakly_canonical(corpus_dir[corpus]).string());
    if (t == timing.end() || t->second <= 0 || s.audio_seconds <= 0) return std::nullopt;
    return s.audio_seconds / t->second;  // the run covered the whole folder
  };
  auto speed = [&](std::size_t a, const std::string& corpus,
                   const std::string& half) -> std::optional<double> {
    if (a == 0) return ours_speed(corpus, stats[corpus]["both"][0]);
    const Stats& s = stats[corpus][half][a];
    return s.seconds > 0 ? std::optional<double>(s.audio_seconds / s.seconds) : std::nullopt;
  };
  auto speed_text = [](std::optional<double> v) {
    return v ? fmt(v, "%.1f") + "x" : std::string("n/a");
  };

  // The table.
  bool any_truth = false, any_consensus = false;
  for (const std::string& c : corpora) {
    any_truth = any_truth || !is_consensus[c];
    any_consensus = any_consensus || is_consensus[c];
  }
  if (any_truth)
    std::printf("%-10s %-8s %-12s %6s %6s %6s %6s %6s %6s %8s %4s %4s %4s %s\n", "corpus", "half",
                "analyser", "Acc1", "Acc2", "0.05", "beatF", "downF", "key", "speed", "n", "nt",
                "nk", "missing");
  for (const std::string& c : corpora) {
    if (is_consensus[c]) continue;
    for (const char* h : kHalves) {
      if (stats[c][h][0].n == 0) continue;
      if (std::string(h) == "both" &&
          (stats[c]["tuning"][0].n == 0 || stats[c]["held-out"][0].n == 0))
        continue;  // "both" equals the one half present
      for (std::size_t a = 0; a < na; ++a) {
        const Stats& s = stats[c][h][a];
        std::printf("%-10s %-8s %-12s %6s %6s %6s %6s %6s %6s %8s %4d %4d %4d %s\n",
                    a == 0 ? c.c_str() : "", a == 0 ? h : "", names[a].c_str(),
                    fmt(ratio(s.acc1, s.tempo_n)).c_str(), fmt(ratio(s.acc2, s.tempo_n)).c_str(),
                    fmt(ratio(s.fine, s.fine_n)).c_str(), fmt(ratio(s.beat_f, s.beat_n)).c_str(),
                    fmt(ratio(s.down_f, s.down_n)).c_str(), fmt(ratio(s.key, s.key_n)).c_str(),
                    speed_text(speed(a, c, h)).c_str(), s.n, s.tempo_n, s.key_n,
                    s.missing ? std::to_string(s.missing).c_str() : "");
      }
    }
  }
  if (any_consensus) {
    std::printf("%s%-10s %-8s %-12s %22s %8s %12s %7s %8s %4s %s\n", any_truth ? "\n" : "",
                "corpus", "half", "analyser", "agreement w/ consensus", "n_cons", "beatF w/ cons",
                "n_beat", "speed", "n", "missing");
    for (const std::string& c : corpora) {
      if (!is_consensus[c]) continue;
      for (const char* h : kHalves) {
        if (stats[c][h][0].n == 0) continue;
        if (std::string(h) == "both" &&
            (stats[c]["tuning"][0].n == 0 || stats[c]["held-out"][0].n == 0))
          continue;
        for (std::size_t a = 0; a < na; ++a) {
          const Stats& s = stats[c][h][a];
          std::printf("%-10s %-8s %-12s %22s %8d %12s %7d %8s %4d %s\n", a == 0 ? c.c_str() : "",
                      a == 0 ? h : "", names[a].c_str(), fmt(ratio(s.agree, s.cons_n)).c_str(),
                      s.cons_n, fmt(ratio(s.cbeat_f, s.cbeat_n)).c_str(), s.cbeat_n,
                      speed_text(speed(a, c, h)).c_str(), s.n,
                      s.missing ? std::to_string(s.missing).c_str() : "");
        }
      }
    }
    std::printf(
        "(a peer's agreement is with the consensus of the other peers; beatF w/ cons is\n"
        " the beat F-measure against the beats of the two other analysers that agree best,\n"
        " where their own F-measure reaches %.1f)\n",
        kBeatAgree);
  }

  // Confidence quartiles: is our confidence worth anything?
  auto quartiles = [](std::vector<Conf> v, const char* what, const char* figure) {
    if (v.size() < 4) {
      std::printf("%-6s confidence quartiles: n/a (%zu items)\n", what, v.size());
      return;
    }
    std::stable_sort(v.begin(), v.end(),
                     [](const Conf& a, const Conf& b) { return a.confidence < b.confidence; });
    const std::size_t q = v.size() / 4;
    double lo = 0, hi = 0;
    for (std::size_t i = 0; i < q; ++i) lo += v[i].score, hi += v[v.size() - 1 - i].score;
    std::printf(
        "%-6s confidence quartiles (%zu items, %zu each): %s %.3f in the lowest (confidence "
        "%.3f..%.3f), %.3f in the highest (%.3f..%.3f)\n",
        what, v.size(), q, figure, lo / q, v[0].confidence, v[q - 1].confidence, hi / q,
        v[v.size() - q].confidence, v.back().confidence);
  };
  if (any_truth) {
    std::printf("\nours, over every corpus with truth:\n");
    quartiles(tempo_conf, "tempo", "Accuracy1");
    quartiles(key_conf, "key", "MIREX");
  }

  // Targets for ours, and whether ours is ahead of every peer on the figure.
  struct Target {
    const char* figure;
    double at_least;
  };
  std::printf("\n%-10s %-8s %-26s %7s %7s %-5s  %s\n", "corpus", "half", "target", "ours", "needed",
              "", "ahead of every peer");
  auto figure_of = [&](const Stats& s, const std::string& fig) -> std::optional<double> {
    if (fig == "tempo Accuracy1") return ratio(s.acc1, s.tempo_n);
    if (fig == "tempo Accuracy2") return ratio(s.acc2, s.tempo_n);
    if (fig == "beat F-measure") return ratio(s.beat_f, s.beat_n);
    if (fig == "downbeat F-measure") return ratio(s.down_f, s.down_n);
    if (fig == "key MIREX") return ratio(s.key, s.key_n);
    return ratio(s.agree, s.cons_n);
  };
  int pass = 0, fail = 0;
  for (const std::string& c : corpora) {
    const char* h = stats[c]["held-out"][0].n > 0 ? "held-out"
                    : stats[c]["tuning"][0].n > 0 ? "tuning"
                                                  : "both";
    std::vector<Target> targets;
    if (is_consensus[c]) {
      targets = {{"consensus agreement", 0.95}};
    } else if (c == "midi" || c == "revoiced") {  // the others (drift) are measured, not targets
      targets = {{"tempo Accuracy1", 0.95},
                 {"tempo Accuracy2", 1.00},
                 {"beat F-measure", 0.90},
                 {"downbeat F-measure", 0.80}};
      if (c == "revoiced") targets.push_back({"key MIREX", 0.90});
      if (c == "midi") targets.push_back({"key MIREX", 0.85});
    }
    // One row: ours against the target (if any), and against every peer.
    auto row = [&](const char* figure, std::optional<double> v, std::optional<double> target,
                   const std::function<std::optional<double>(std::size_t)>& peer_value,
                   const char* f = "%.3f") {
      const bool ok = v && target && *v + 1e-9 >= *target;
      if (v && target) (ok ? pass : fail) += 1;
      std::string ahead = "yes";
      bool tie = false;
      for (std::size_t a = 1; a < na; ++a) {
        const std::optional<double> p = peer_value(a);
        if (!p || !v) continue;
        if (*p > *v + 1e-9) {
          if (ahead.starts_with("yes")) ahead = "no:";
          ahead += " " + names[a] + " " + fmt(p, f);
        } else if (std::fabs(*p - *v) <= 1e-9) {
          tie = true;
        }
      }
      if (ahead == "yes" && tie) ahead = "yes (tied)";
      if (!v || na == 1) ahead = "-";
      std::printf("%-10s %-8s %-26s %7s %7s %-5s  %s\n", c.c_str(), h, figure, fmt(v, f).c_str(),
                  target ? fmt(target, "%.2f").c_str() : "-",
                  !target ? ""
                  : v     ? (ok ? "PASS" : "FAIL")
                          : "n/a",
                  ahead.c_str());
    };
    for (const Target& t : targets)
      row(t.figure, figure_of(stats[c][h][0], t.figure), t.at_least,
          [&](std::size_t a) { return figure_of(stats[c][h][a], t.figure); });
    row(
        "speed (x real time)", speed(0, c, h), std::nullopt,
        [&](std::size_t a) { return speed(a, c, h); }, "%.1f");
  }
  std::printf("targets: %d PASS, %d FAIL\n", pass, fail);

  for (std::size_t a = 0; a < na; ++a) {
    if (missing[a].empty()) continue;
    std::printf("%s: %zu file(s) without a result (counted as wrong):", names[a].c_str(),
                missing[a].size());
    for (std::size_t i = 0; i < missing[a].size() && i < 10; ++i)
      std::printf(" %s", missing[a][i].c_str());
    std::printf("%s\n", missing[a].size() > 10 ? " ..." : "");
  }
  return 0;
}
