// djb-transition: the ranked transitions from one analysed track to another
// (djb.transitions/1), a whole set ordered with one transition per neighbour pair
// (--plan, djb.plan/1), and score weights learned from feedback (learn). See
// djb-transition(1).
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>

#include "libaudio/cli.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/progress.hpp"
#include "libaudio/version.hpp"
#include "libmix/mix_track.hpp"
#include "libmix/set_planner.hpp"
#include "libmix/transition_candidates.hpp"
#include "libmix/weight_learning.hpp"

namespace {

using audio::Error;
using audio::Exit;
using audio::Json;

void print(const Json& doc) {
  audio::write_json_line(std::cout, doc);
  if (!std::cout) throw Error(Exit::io, "stdout", "write error");
}

std::string key_text(const mix::MixTrack& t) {
  return t.key ? t.camelot : "-";
}
std::string bpm_text(const mix::MixTrack& t) {
  if (t.beatless()) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", *t.bpm);
  return b;
}

// --first/--last: a 1-based position among the inputs, an input path or a title.
int resolve(const std::vector<mix::MixTrack>& all, const std::vector<mix::MixTrack>& kept,
            const std::string& value, const std::string& option) {
  const mix::MixTrack* hit = nullptr;
  try {
    std::size_t used = 0;
    const long k = std::stol(value, &used);
    if (used == value.size()) {
      if (k < 1 || k > static_cast<long>(all.size()))
        throw Error(Exit::usage, option,
                    "no track " + value + " (there are " + std::to_string(all.size()) + ")");
      hit = &all[static_cast<std::size_t>(k - 1)];
    }
  } catch (const std::logic_error&) {
  }
  if (!hit)
    for (const auto& t : all)
      if (t.path == value || t.title == value) {
        hit = &t;
        break;
      }
  if (!hit) throw Error(Exit::usage, option, "no input track is " + value);
  for (std::size_t i = 0; i < kept.size(); ++i)
    if (kept[i].path == hit->path && kept[i].sha256 == hit->sha256) return static_cast<int>(i);
  for (std::size_t i = 0; i < kept.size(); ++i)
    if (!hit->sha256.empty() && kept[i].sha256 == hit->sha256) return static_cast<int>(i);
  throw Error(Exit::usage, option, "no input track is " + value);
}

void explain_pair(const mix::MixTrack& a, const mix::MixTrack& b, const mix::CandidateSet& set,
                  std::size_t top) {
  std::fprintf(stderr, "%s (%s, %s BPM) -> %s (%s, %s BPM)\n", a.title.c_str(), key_text(a).c_str(),
               bpm_text(a).c_str(), b.title.c_str(), key_text(b).c_str(), bpm_text(b).c_str());
  std::fprintf(stderr, "%4s  %-9s %8s %8s %4s  %5s  %5s %5s %5s %5s %5s %5s\n", "rank", "type",
               "exit", "entry", "bars", "score", "tempo", "harm", "enrgy", "phras", "cover",
               "clash");
  for (std::size_t i = 0; i < set.candidates.size() && i < top; ++i) {
    const auto& c = set.candidates[i];
    const std::string bars = c.overlap_bars ? std::to_string(*c.overlap_bars) : "-";
    std::fprintf(stderr, "%4zu  %-9s %8.3f %8.3f %4s  %5.3f  %5.2f %5.2f %5.2f %5.2f %5.2f %5.2f\n",
                 i + 1, mix::type_name(c.type), c.exit, c.entry, bars.c_str(), c.score,
                 c.breakdown[0], c.breakdown[1], c.breakdown[2], c.breakdown[3], c.breakdown[4],
                 c.breakdown[5]);
  }
  for (const auto& r : set.rejections)
    std::fprintf(stderr, "rejected %d: %s (e.g. %s)\n", r.count, r.rule.c_str(), r.example.c_str());
}

void explain_plan(const std::vector<mix::MixTrack>& tracks, const mix::SetPlan& plan) {
  std::fprintf(stderr, "%3s  %-24s %4s %7s %4s  %-9s %4s %5s\n", "#", "title", "key", "bpm", "nrg",
               "-> type", "bars", "score");
  for (std::size_t k = 0; k < plan.tracks.size(); ++k) {
    const auto& t = tracks[static_cast<std::size_t>(plan.tracks[k].input)];
    std::string type = "", bars = "", score = "";
    if (k < plan.transitions.size()) {
      const auto& c = plan.transitions[k];
      type = mix::type_name(c.type);
      bars = c.overlap_bars ? std::to_string(*c.overlap_bars) : "-";
      char b[16];
      std::snprintf(b, sizeof b, "%.3f", c.score);
      score = b;
    }
    std::fprintf(stderr, "%3zu  %-24.24s %4s %7s %4s  %-9s %4s %5s\n", k + 1, t.title.c_str(),
                 key_text(t).c_str(), bpm_text(t).c_str(),
                 t.energy_level ? std::to_string(t.energy_level).c_str() : "-", type.c_str(),
                 bars.c_str(), score.c_str());
  }
  std::fprintf(
      stderr, "score %.3f, %.1f s of mix, search %s%s\n", plan.score, plan.duration,
      plan.method.c_str(),
      plan.dropped_for_length
          ? (", " + std::to_string(plan.dropped_for_length) + " dropped for length").c_str()
          : "");
}

}  // namespace

int main(int argc, char** argv) {
  audio::cli::Tool tool("djb-transition",
                        "Score transitions between analysed tracks, plan a set, learn weights");
  CLI::App& app = tool.app();
  std::vector<std::string> files;
  bool plan = false, explain = false, keep_order = false;
  std::string weights_path, first, last, arc = "flat";
  int top = 10;
  double max_length = 0;
  int jobs = 0;
  // Pair scores grow with the square of the set: 2000 tracks are 4 million pairs, about a
  // minute of work and 32 MB of scores.
  int max_tracks = 2000;
  app.add_option("FILE", files, "djb.analysis/1 documents or JSON Lines (none or - = stdin)");
  app.add_flag("--plan", plan, "Order every track into a set (djb.plan/1)");
  app.add_option("--top", top, "Candidates printed for a pair (0 = all; default 10)")
      ->check(CLI::Range(0, 1000000));
  app.add_flag("--explain", explain, "A short table of the result on stderr");
  app.add_option("--weights", weights_path, "Score weights (djb.weights/1), e.g. from learn");
  app.add_flag("--keep-order", keep_order, "--plan: keep the tracks in the given order");
  app.add_option("--first", first, "--plan: this track first (1-based position, path or title)");
  app.add_option("--last", last, "--plan: this track last (1-based position, path or title)");
  app.add_option("--arc", arc, "--plan: energy arc: flat, rise or peak (default flat)");
  auto* max_opt = app.add_option("--max-length", max_length,
                                 "--plan: longest mix in seconds (tracks dropped from the end)")
                      ->check(audio::cli::real_in(1, 604800));
  app.add_option("-j,--jobs", jobs, "--plan: threads for scoring pairs (0 = all cores)")
      ->check(CLI::Range(0, 1024));

  app.add_option("--max-tracks", max_tracks, "--plan: refuse larger sets (default 2000)")
      ->check(CLI::Range(1, 100000));

  tool.add_progress_flag();

  CLI::App* learn = app.add_subcommand("learn", "Fit score weights to djb.feedback/1 records");
  std::string feedback_path = "-";
  learn->add_option("FILE", feedback_path, "JSON Lines of djb.feedback/1 (default stdin)");

  return tool.run(argc, argv, [&]() -> Exit {
    if (*learn) {
      const auto records = mix::read_feedback(feedback_path);
      mix::LearnResult r;
      try {
        r = mix::learn_weights(records);
      } catch (const Error& e) {
        throw Error(e.code(), feedback_path == "-" ? "stdin" : feedback_path, e.what());
      }
      print(mix::learned_to_json(r));
      if (!tool.quiet()) {
        char b[160];
        std::snprintf(b, sizeof b, "%d records: log loss %.4f -> %.4f, accuracy %.3f", r.records,
                      r.initial_loss, r.log_loss, r.accuracy);
        tool.note(b);
      }
      return Exit::ok;
    }

    mix::SetOptions options;
    if (!weights_path.empty()) {
      options.candidates.weights = mix::load_weights(weights_path);
      options.weights_name = weights_path;
    }
    const auto parsed_arc = mix::parse_arc(arc);
    if (!parsed_arc) throw Error(Exit::usage, "--arc", "must be flat, rise or peak, not " + arc);
    if (!plan) {
      for (const char* o : {"--keep-order", "--first", "--last", "--max-length", "--max-tracks"})
        if (app.count(o)) throw Error(Exit::usage, o, "needs --plan");
      if (arc != "flat") throw Error(Exit::usage, "--arc", "needs --plan");
    }
    if (keep_order && (!first.empty() || !last.empty()))
      throw Error(Exit::usage, "--keep-order", "cannot be used with --first or --last");
    if (max_opt->count() && !(max_length > 0))
      throw Error(Exit::usage, "--max-length", "must be a positive number of seconds");

    tool.read_stdin_by_default(files);
    int stdin_uses = 0;
    for (const auto& f : files) stdin_uses += f == "-";
    if (stdin_uses > 1) throw Error(Exit::usage, "-", "stdin can be read only once");
    std::vector<mix::MixTrack> all;
    for (const auto& f : files) {
      auto tracks = mix::read_tracks(f);
      for (auto& t : tracks) all.push_back(std::move(t));
    }

    if (!plan) {
      if (all.size() != 2)
        throw Error(Exit::usage, files.size() == 1 ? files[0] : "",
                    "needs exactly two analyses (A then B), got " + std::to_string(all.size()) +
                        "; use --plan for a set");
      const auto set = mix::transition_candidates(all[0], all[1], options.candidates);
      Json doc = Json::object();
      doc["schema"] = "djb.transitions/1";
      doc["toolkit_version"] = audio::kToolkitVersion;
      auto side = [](const mix::MixTrack& t) {
        return Json{{"input", audio::input_record(t.path, t.sha256)},
                    {"title", t.title},
                    {"bpm", t.beatless() ? Json() : Json(*t.bpm)},
                    {"key", t.key ? Json(t.camelot) : Json()}};
      };
      doc["from"] = side(all[0]);
      doc["to"] = side(all[1]);
      doc["weights"] = options.weights_name;
      Json list = Json::array();
      const std::size_t n = top == 0
                                ? set.candidates.size()
                                : std::min(static_cast<std::size_t>(top), set.candidates.size());
      for (std::size_t i = 0; i < n; ++i) {
        Json c = Json::object();
        c["rank"] = i + 1;
        const Json body = mix::candidate_to_json(set.candidates[i], options.candidates);
        for (const auto& [k, v] : body.items()) c[k] = v;
        list.push_back(c);
      }
      doc["candidates"] = list;
      doc["candidate_count"] = set.candidates.size();
      Json rejected = Json::array();
      for (const auto& r : set.rejections)
        rejected.push_back({{"rule", r.rule}, {"count", r.count}, {"example", r.example}});
      doc["rejected"] = rejected;
      print(doc);
      if (explain) explain_pair(all[0], all[1], set, n);
      return Exit::ok;
    }

    // A set: the same audio twice (same SHA-256) plays once; the later copy is dropped.
    std::vector<mix::MixTrack> kept;
    std::map<std::string, std::string> seen;
    for (const auto& t : all) {
      if (!t.sha256.empty()) {
        const auto [it, fresh] = seen.emplace(t.sha256, t.path);
        if (!fresh) {
          tool.warn(t.path, "same audio as " + it->second + " (SHA-256); dropped from the set");
          continue;
        }
      }
      kept.push_back(t);
    }
    if (static_cast<int>(kept.size()) > max_tracks)
      throw Error(Exit::data, files.size() == 1 ? files[0] : "",
                  std::to_string(kept.size()) + " tracks: more than --max-tracks " +
                      std::to_string(max_tracks) + " (pair scores grow with the square)");
    if (!first.empty()) options.first = resolve(all, kept, first, "--first");
    if (!last.empty()) options.last = resolve(all, kept, last, "--last");
    options.arc = *parsed_arc;
    options.keep_order = keep_order;
    if (max_opt->count()) options.max_length = max_length;
    options.jobs = jobs;
    audio::Progress bar(tool.progress_enabled(), "djb-transition: scoring pairs");
    options.on_row = [&bar](int done, int total) { bar.update(done, total); };
    const auto result = mix::plan_set(kept, options);
    bar.finish();
    print(mix::plan_to_json(kept, result, options));
    if (explain) explain_plan(kept, result);
    if (result.dropped_for_length)
      tool.warn("--max-length", std::to_string(result.dropped_for_length) +
                                    " track(s) dropped from the end to fit");
    return Exit::ok;
  });
}
