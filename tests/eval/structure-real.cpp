// eval-structure-real: song structure and chorus clips on rendered real-instrument songs.
// Usage: eval-structure-real [--verbose] [--half tuning|held-out|all] [--peer NAME=FILE]... DIR...
// Each DIR holds NAME.wav + NAME.truth.json ("eval.truth/1" with "sections" [{label, start,
// end, bars}] and "half"; "verse_loop" present when the verse plays other chords than the
// chorus). Files whose truth has no chorus are skipped. Each song runs through the same steps
// as clip-highlights on an audio file (analyze_music, then pick_clips for one 15 s clip).
//
// Metrics, per half and pooled, and split by whether verse and chorus share their chords:
//  - boundaries: true section starts after the first, F-measure at +-3 s (pooled counts, each
//    true boundary matched once), as eval-structure; also at +-0.5 s (on the beat or near it);
//  - verse/chorus labels: of the bars inside true verse and chorus sections, the share whose
//    middle lies in an estimated section of the same kind (chorus or climax for a chorus,
//    verse for a verse);
//  - chorus clips: the 15 s clip lies inside one true chorus passage (a chorus, or choruses
//    back to back), with 0.25 s slack at each end (under a beat at these tempos); songs
//    with no passage of 15 s (8 fast bars) are not scored on this.
// Peers: --peer NAME=FILE.jsonl (repeatable) reads another analyser's boundaries, one JSON line
// per audio file with "file" and "boundaries" (seconds, the starts after the first segment;
// eval-qm-segmenter-peer writes these), matched to a song by file-name stem (NAME.wav <->
// NAME.truth.json). Each peer's boundaries are scored as ours, on the same songs and rows;
// it has no verse/chorus labels or clips, so those cells print "-". A song missing from a
// peer's file counts as no boundaries found (and is named on stderr), so that every figure
// covers the same songs.
// Exit status: 0 when scoring ran, 64 bad use, 65 bad truth, 66 a missing input.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "libaudio/error.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/song_analysis.hpp"
#include "libmix/clip_picker.hpp"
#include "metrics.hpp"
#include "structure_score.hpp"

namespace fs = std::filesystem;

namespace {

// Boundary counts of one analyser, pooled over songs.
struct Bounds {
  int true_b = 0, est_b = 0, hit3 = 0, hit05 = 0;
  void add(const Bounds& b) {
    true_b += b.true_b, est_b += b.est_b, hit3 += b.hit3, hit05 += b.hit05;
  }
  double f(int hits) const {
    const double p = est_b ? double(hits) / est_b : 0, r = true_b ? double(hits) / true_b : 0;
    return p + r > 0 ? 2 * p * r / (p + r) : 0;
  }
  double f3() const { return f(hit3); }
  double f05() const { return f(hit05); }
};

Bounds score_bounds(const std::vector<double>& ref, const std::vector<double>& est) {
  Bounds b;
  b.true_b = int(ref.size());
  b.est_b = int(est.size());
  b.hit3 = evalm::matches(ref, est, 3.0);
  b.hit05 = evalm::matches(ref, est, 0.5);
  return b;
}

struct Tally {
  int songs = 0;
  Bounds ours;
  std::vector<Bounds> peers;  // in --peer order
  int bars = 0, bars_right = 0, clips = 0, in_chorus = 0;
  void add(const Tally& t) {
    songs += t.songs;
    ours.add(t.ours);
    peers.resize(std::max(peers.size(), t.peers.size()));
    for (std::size_t i = 0; i < t.peers.size(); ++i) peers[i].add(t.peers[i]);
    bars += t.bars, bars_right += t.bars_right, clips += t.clips, in_chorus += t.in_chorus;
  }
};

// Another analyser's boundaries per song, from its JSON lines (see the header).
struct Peer {
  std::string name;
  std::map<std::string, std::vector<double>> boundaries;  // by file-name stem
};

Peer read_peer(const std::string& spec) {
  Peer peer;
  const std::size_t eq = spec.find('=');
  peer.name = spec.substr(0, eq);
  const std::string path = spec.substr(eq + 1);
  std::ifstream in(path);
  if (!in) throw audio::Error(audio::Exit::no_input, path, "cannot read the peer's results");
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty()) continue;
    try {
      const audio::Json j = audio::Json::parse(line);
      std::vector<double> b = j.at("boundaries").get<std::vector<double>>();
      std::sort(b.begin(), b.end());  // evalm::matches wants them in time order
      peer.boundaries[fs::path(j.at("file").get<std::string>()).stem().string()] = std::move(b);
    } catch (const audio::Json::exception& e) {
      throw audio::Error(audio::Exit::data, path,
                         "line " + std::to_string(n) + ": not a peer result: " + e.what());
    }
  }
  return peer;
}

const audio::StructureSection* section_at(const audio::MusicAnalysis& music, double t) {
  for (const auto& song : music.songs)
    for (const auto& s : song.structure.sections)
      if (s.start <= t && t < s.end) return &s;
  return nullptr;
}

// `peers` holds each peer's boundaries for this song, or null where the peer has none.
Tally score(const audio::Json& truth, const audio::MusicAnalysis& music,
            const std::vector<std::pair<std::string, const std::vector<double>*>>& peers,
            bool verbose) {
  Tally t;
  t.songs = 1;
  const auto& sections = truth.at("sections");
  const audio::SongAnalysis* song = music.songs.empty() ? nullptr : &music.songs.front();
  std::vector<double> ref, est;
  for (std::size_t k = 1; k < sections.size(); ++k)
    ref.push_back(sections[k].at("start").get<double>());
  for (const auto& s : music.songs)
    for (std::size_t k = 0; k < s.structure.sections.size(); ++k)
      if (k > 0 || &s != &music.songs.front()) est.push_back(s.structure.sections[k].start);
  t.ours = score_bounds(ref, est);
  for (const auto& [name, b] : peers)
    t.peers.push_back(score_bounds(ref, b ? *b : std::vector<double>{}));
  const evalstruct::BarCount bars =
      evalstruct::verse_chorus_bars(sections, [&](double t) { return section_at(music, t); });
  t.bars = bars.bars;
  t.bars_right = bars.right;
  mix::ClipRequest req;
  req.lengths = {15};
  mix::ClipPlan plan = mix::pick_clips(music.songs, music.split, req);
  const auto passages = evalstruct::chorus_passages(sections);
  bool fits = false;
  for (const auto& [a, b] : passages) fits = fits || b - a >= 15;
  if (!fits) {
    std::printf("  no chorus passage of 15 s: clip not scored");
    plan.clips.clear();
  }
  for (const mix::Clip& c : plan.clips) {
    ++t.clips;
    const bool inside = evalstruct::inside(passages, c.start, c.end, 0.25);
    t.in_chorus += inside;
    std::printf("  clip %.2f-%.2f (%s)%s", c.start, c.end, c.type.c_str(), inside ? "" : " OUT");
  }
  std::printf("  bounds %d/%d est %d  bars %d/%d  songs %zu", t.ours.hit3, t.ours.true_b,
              t.ours.est_b, t.bars_right, t.bars, music.songs.size());
  for (std::size_t i = 0; i < peers.size(); ++i)
    std::printf("  %s %d/%d est %d%s", peers[i].first.c_str(), t.peers[i].hit3, t.peers[i].true_b,
                t.peers[i].est_b, peers[i].second ? "" : " (no result)");
  std::printf("\n");
  if (verbose) {
    std::printf("    truth:");
    for (const auto& ts : sections)
      std::printf(" %s %.1f-%.1f", ts.at("label").get<std::string>().c_str(),
                  ts.at("start").get<double>(), ts.at("end").get<double>());
    std::printf("\n");
    if (std::getenv("EVAL_WINDOWS"))
      for (std::size_t w = 0; w < music.split.windows.size(); w += 2)
        std::printf("    %6.1f %-8s db %6.1f pulse %.2f flat %.2f tonal %.2f\n",
                    w * music.split.window_hop, music.split.windows[w].c_str(),
                    music.split.level_db[w], music.split.pulse[w], music.split.flatness[w],
                    music.split.tonality[w]);
    if (song && std::getenv("EVAL_NOVELTY")) {
      std::printf("    novelty:");
      for (std::size_t k = 0; k + 1 < song->structure.bar_starts.size(); ++k)
        std::printf(" %.1f:%.2f", song->structure.bar_starts[k], song->structure.bar_novelty[k]);
      std::printf("\n");
    }
    for (const auto& so : music.songs)
      for (const auto& s : so.structure.sections)
        std::printf("    %-9s %7.2f %7.2f g%d x%d rep %.3f e %.3f nov %.2f\n", s.label.c_str(),
                    s.start, s.end, s.group, s.repeats, s.repetition, s.energy, s.novelty);
  }
  return t;
}

constexpr const char* kTableFormat = "%-28s %5s  %-12s %6s  %6s  %9s  %-19s  %s\n";

// One line per analyser: ours with every metric, then each peer's boundaries under it.
void print_row(const char* name, const Tally& t, const std::vector<Peer>& peers) {
  if (t.songs == 0) return;
  char songs[16], bars[32], clips[32];
  std::snprintf(songs, sizeof songs, "%d", t.songs);
  std::snprintf(bars, sizeof bars, "%6.3f (%4d/%4d)", t.bars ? double(t.bars_right) / t.bars : 0.0,
                t.bars_right, t.bars);
  std::snprintf(clips, sizeof clips, "%6.3f (%2d/%2d)",
                t.clips ? double(t.in_chorus) / t.clips : 0.0, t.in_chorus, t.clips);
  auto line = [&](const char* row, const char* n, const char* analyser, const Bounds& b,
                  const char* bars_cell, const char* clips_cell) {
    char f3[16], f05[16], counts[24];
    std::snprintf(f3, sizeof f3, "%.3f", b.f3());
    std::snprintf(f05, sizeof f05, "%.3f", b.f05());
    std::snprintf(counts, sizeof counts, "%d/%d", b.est_b, b.true_b);
    std::printf(kTableFormat, row, n, analyser, f3, f05, counts, bars_cell, clips_cell);
  };
  line(name, songs, "ours", t.ours, bars, clips);
  for (std::size_t i = 0; i < peers.size(); ++i)
    line("", "", peers[i].name.c_str(), i < t.peers.size() ? t.peers[i] : Bounds{}, "-", "-");
}

}  // namespace

int main(int argc, char** argv) {
  bool verbose = false;
  std::string half = "all";
  std::vector<std::string> dirs, peer_specs;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--verbose") == 0) {
      verbose = true;
    } else if (std::strcmp(argv[i], "--half") == 0 && i + 1 < argc) {
      half = argv[++i];
    } else if (std::strcmp(argv[i], "--peer") == 0 && i + 1 < argc) {
      const std::string spec = argv[++i];
      const std::size_t eq = spec.find('=');
      if (eq == 0 || eq == std::string::npos || eq + 1 == spec.size()) {
        std::fprintf(stderr, "eval-structure-real: --peer %s: not NAME=FILE.jsonl\n", spec.c_str());
        return 64;
      }
      peer_specs.push_back(spec);
    } else if (argv[i][0] == '-') {
      std::fprintf(stderr,
                   "usage: eval-structure-real [--verbose] [--half H] [--peer NAME=FILE] DIR...\n");
      return 64;
    } else {
      dirs.push_back(argv[i]);
    }
  }
  if (dirs.empty() || (half != "all" && half != "tuning" && half != "held-out")) {
    std::fprintf(stderr,
                 "usage: eval-structure-real [--verbose] [--half H] [--peer NAME=FILE] DIR...\n");
    return 64;
  }
  // Options to try without a rebuild: EVAL_OPTION_<name>=value for the structure options.
  audio::SongAnalysisOptions options;
  auto& so = options.structure;
  const std::pair<const char*, double*> knobs[] = {
      {"THRESHOLD", &so.threshold},
      {"GROUP_SIMILARITY", &so.group_similarity},
      {"GROUP_ENERGY", &so.group_energy},
      {"GROUP_ARRANGEMENT", &so.group_arrangement},
      {"CHORUS_SALIENCE", &so.chorus_salience},
      {"MERGE_ARRANGEMENT", &so.merge_arrangement},
      {"MERGE_ENERGY", &so.merge_energy},
  };
  for (const auto& [name, field] : knobs)
    if (const char* v = std::getenv((std::string("EVAL_OPTION_") + name).c_str())) {
      *field = std::atof(v);
      std::printf("option %s = %g\n", name, *field);
    }
  // [half][shared]: half 0 tuning, 1 held-out; shared 0 distinct chords, 1 shared.
  std::map<std::pair<std::string, bool>, Tally> cells;
  std::vector<Peer> peers;
  try {
    for (const auto& spec : peer_specs) peers.push_back(read_peer(spec));
    for (const auto& dir : dirs) {
      if (!fs::is_directory(dir)) {
        std::fprintf(stderr, "eval-structure-real: %s: no such directory\n", dir.c_str());
        return 66;
      }
      std::vector<fs::path> truths;
      for (const auto& e : fs::directory_iterator(dir))
        if (e.path().string().ends_with(".truth.json")) truths.push_back(e.path());
      std::sort(truths.begin(), truths.end());
      for (const auto& tp : truths) {
        const audio::Json truth = audio::read_json_file(tp.string());
        if (!truth.contains("sections")) continue;
        bool has_chorus = false;
        for (const auto& s : truth["sections"]) has_chorus = has_chorus || s["label"] == "chorus";
        const std::string h = truth.value("half", "tuning");
        if (!has_chorus || (half != "all" && h != half)) continue;
        std::string wav = tp.string();
        wav.replace(wav.size() - std::strlen(".truth.json"), std::string::npos, ".wav");
        const bool shared = !truth.contains("verse_loop");
        const std::string stem = tp.filename().string().substr(
            0, tp.filename().string().size() - std::strlen(".truth.json"));
        // Looked up before the song's line starts, so a warning does not split it.
        std::vector<std::pair<std::string, const std::vector<double>*>> song_peers;
        for (const Peer& p : peers) {
          const auto it = p.boundaries.find(stem);
          if (it == p.boundaries.end())
            std::fprintf(stderr, "eval-structure-real: peer %s has no result for %s\n",
                         p.name.c_str(), stem.c_str());
          song_peers.emplace_back(p.name, it == p.boundaries.end() ? nullptr : &it->second);
        }
        std::printf("%-36s %-8s %5.1f %s", tp.filename().string().c_str(), h.c_str(),
                    truth.value("bpm", 0.0), shared ? "shared " : "distinct");
        std::fflush(stdout);
        const audio::MusicAnalysis music = audio::analyze_music(wav, options);
        cells[{h, shared}].add(score(truth, music, song_peers, verbose));
      }
    }
  } catch (const audio::Error& e) {
    if (e.subject().empty())
      std::fprintf(stderr, "eval-structure-real: %s\n", e.what());
    else
      std::fprintf(stderr, "eval-structure-real: %s: %s\n", e.subject().c_str(), e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "eval-structure-real: bad truth: %s\n", e.what());
    return 65;
  }
  std::printf("\n");
  std::printf(kTableFormat, "", "songs", "analyser", "F@3s", "F@0.5s", "est/true",
              "verse/chorus bars", "15 s clip in chorus");
  Tally all, shared_all;
  for (const char* h : {"tuning", "held-out"}) {
    Tally both;
    for (bool shared : {true, false}) {
      const Tally& t = cells[{h, shared}];
      print_row((std::string(h) + (shared ? ", shared chords" : ", own chords")).c_str(), t, peers);
      both.add(t);
      if (shared) shared_all.add(t);
    }
    print_row((std::string(h) + ", all").c_str(), both, peers);
    all.add(both);
  }
  print_row("both halves, shared chords", shared_all, peers);
  print_row("both halves, all", all, peers);
  return 0;
}
