#include "libmix/mix_plan.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <set>

#include "libaudio/error.hpp"
#include "libaudio/input_file.hpp"
#include "libaudio/sha256.hpp"

namespace mix {

namespace fs = std::filesystem;
using audio::Error;
using audio::Exit;
using audio::Json;

namespace {

[[noreturn]] void bad(const std::string& source, const std::string& what) {
  throw Error(Exit::data, source, what);
}

double number(const Json& obj, const char* key, const std::string& where,
              const std::string& source) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_number())
    bad(source, where + ": \"" + key + "\" must be a number");
  const double v = obj[key].get<double>();
  if (!std::isfinite(v)) bad(source, where + ": \"" + key + "\" is not finite");
  return v;
}

double number_or(const Json& obj, const char* key, double fallback) {
  if (obj.is_object() && obj.contains(key) && obj[key].is_number()) return obj[key].get<double>();
  return fallback;
}

const std::set<std::string> kTypes = {"crossfade", "bass_swap", "cut", "filter", "mashup", "fade"};

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

}  // namespace

const char* to_string(Piece::Kind kind) {
  switch (kind) {
    case Piece::incoming:
      return "incoming";
    case Piece::solo:
      return "solo";
    case Piece::outgoing:
      return "outgoing";
  }
  return "?";
}

MixPlan parse_plan(const Json& doc, const std::string& source) {
  if (!doc.is_object() || !doc.contains("schema") || doc["schema"] != "djb.plan/1")
    bad(source, "not a djb.plan/1 document");
  if (!doc.contains("tracks") || !doc["tracks"].is_array() || doc["tracks"].empty())
    bad(source, "the plan has no tracks");
  if (!doc.contains("transitions") || !doc["transitions"].is_array())
    bad(source, "the plan has no \"transitions\" array");
  MixPlan plan;
  plan.source = source;
  plan.duration = number_or(doc, "duration", 0);
  for (std::size_t i = 0; i < doc["tracks"].size(); ++i) {
    const Json& t = doc["tracks"][i];
    const std::string where = "track " + std::to_string(i);
    PlanTrack track;
    track.index = static_cast<int>(i);
    if (!t.is_object() || !t.contains("input") || !t["input"].is_object() ||
        !t["input"].contains("path") || !t["input"]["path"].is_string())
      bad(source, where + ": no input path");
    track.path = t["input"]["path"].get<std::string>();
    if (track.path.empty()) bad(source, where + ": the input path is empty");
    if (t["input"].contains("sha256") && t["input"]["sha256"].is_string())
      track.sha256 = t["input"]["sha256"].get<std::string>();
    track.title = t.contains("title") && t["title"].is_string()
                      ? t["title"].get<std::string>()
                      : fs::path(track.path).stem().string();
    if (t.contains("artist") && t["artist"].is_string())
      track.artist = t["artist"].get<std::string>();
    track.duration = number(t, "duration", where, source);
    track.bpm = number_or(t, "bpm", 0);
    if (t.contains("beat_grid") && t["beat_grid"].is_object() &&
        t["beat_grid"].contains("period") && t["beat_grid"]["period"].is_number() &&
        t["beat_grid"].contains("first_beat") && t["beat_grid"]["first_beat"].is_number() &&
        t["beat_grid"]["period"].get<double>() > 0) {
      track.first_beat = t["beat_grid"]["first_beat"].get<double>();
      track.period = t["beat_grid"]["period"].get<double>();
    }
    if (t.contains("downbeats") && t["downbeats"].is_array())
      for (const Json& d : t["downbeats"])
        if (d.is_number()) track.downbeats.push_back(d.get<double>());
    if (t.contains("loudness") && t["loudness"].is_object() &&
        t["loudness"].contains("integrated_lufs") && t["loudness"]["integrated_lufs"].is_number())
      track.integrated_lufs = t["loudness"]["integrated_lufs"].get<double>();
    if (t.contains("loudness") && t["loudness"].is_object() &&
        t["loudness"].contains("true_peak_dbtp") && t["loudness"]["true_peak_dbtp"].is_number())
      track.true_peak_dbtp = t["loudness"]["true_peak_dbtp"].get<double>();
    // EBU R 128 gates at -70 LUFS, and no signal reaches more than a few LU over full scale:
    // anything else is a damaged plan, and its gain would silence or blast the track.
    if (track.integrated_lufs && !(*track.integrated_lufs >= -70 && *track.integrated_lufs <= 6))
      bad(source, where + ": loudness.integrated_lufs " + fmt(*track.integrated_lufs) +
                      " is outside -70..6");
    if (track.true_peak_dbtp && !(*track.true_peak_dbtp >= -200 && *track.true_peak_dbtp <= 24))
      bad(source, where + ": loudness.true_peak_dbtp " + fmt(*track.true_peak_dbtp) +
                      " is outside -200..24");
    if (!t.contains("play") || !t["play"].is_object()) bad(source, where + ": no \"play\" range");
    track.play_start = number(t["play"], "start", where + " play", source);
    track.play_end = number(t["play"], "end", where + " play", source);
    if (track.duration <= 0 || track.play_start < 0 || track.play_end <= track.play_start ||
        track.play_end > track.duration + 0.05)
      bad(source, where + ": play range " + fmt(track.play_start) + ".." + fmt(track.play_end) +
                      " is outside the track (" + fmt(track.duration) + " s)");
    plan.tracks.push_back(std::move(track));
  }
  const auto& transitions = doc["transitions"];
  if (transitions.size() + 1 != plan.tracks.size())
    bad(source, "a plan of " + std::to_string(plan.tracks.size()) + " tracks needs " +
                    std::to_string(plan.tracks.size() - 1) + " transitions, it has " +
                    std::to_string(transitions.size()));
  for (std::size_t i = 0; i < transitions.size(); ++i) {
    const Json& j = transitions[i];
    const std::string where = "transition " + std::to_string(i);
    PlanTransition t;
    const double from = number(j, "from", where, source), to = number(j, "to", where, source);
    // Compared as numbers first: 1e300 would not convert to an int.
    if (from != static_cast<double>(i) || to != static_cast<double>(i + 1))
      bad(source,
          where + ": must go from track " + std::to_string(i) + " to " + std::to_string(i + 1));
    t.from = static_cast<int>(from);
    t.to = static_cast<int>(to);
    if (t.from != static_cast<int>(i) || t.to != static_cast<int>(i) + 1)
      bad(source,
          where + ": must go from track " + std::to_string(i) + " to " + std::to_string(i + 1));
    if (!j.contains("type") || !j["type"].is_string() ||
        !kTypes.count(j["type"].get<std::string>()))
      bad(source, where + ": unknown transition type");
    t.type = j["type"].get<std::string>();
    t.exit = number(j, "exit", where, source);
    t.entry = number(j, "entry", where, source);
    t.overlap_bars = j.contains("overlap_bars") && j["overlap_bars"].is_number_integer()
                         ? j["overlap_bars"].get<int>()
                         : 0;
    if (!j.contains("overlap")) bad(source, where + ": no \"overlap\"");
    t.a_seconds = number(j["overlap"], "a_seconds", where + " overlap", source);
    t.b_seconds = number(j["overlap"], "b_seconds", where + " overlap", source);
    t.mix_seconds = number(j["overlap"], "mix_seconds", where + " overlap", source);
    if (!j.contains("tempo")) bad(source, where + ": no \"tempo\"");
    t.target_bpm = number_or(j["tempo"], "target_bpm", 0);
    t.stretch_a = number(j["tempo"], "stretch_a", where + " tempo", source);
    t.stretch_b = number(j["tempo"], "stretch_b", where + " tempo", source);
    t.b_multiplier = number_or(j["tempo"], "b_multiplier", 1);
    if (j.contains("params") && j["params"].is_object()) t.params = j["params"];
    t.score = number_or(j, "score", 0);

    const PlanTrack& a = plan.tracks[i];
    const PlanTrack& b = plan.tracks[i + 1];
    for (double s : {t.stretch_a, t.stretch_b})
      if (!(s >= 0.5 && s <= 2.0))
        bad(source, where + ": impossible tempo ratio " + fmt(s) + " (stretches must be 0.5..2)");
    if (t.a_seconds < 0 || t.b_seconds < 0 || t.mix_seconds < 0)
      bad(source, where + ": negative overlap");
    if (t.type == "cut" && (t.a_seconds != 0 || t.b_seconds != 0 || t.mix_seconds != 0))
      bad(source, where + ": a cut has no overlap");
    if (t.type != "cut" && t.mix_seconds <= 0) bad(source, where + ": the overlap is empty");
    if (std::abs(t.a_seconds / t.stretch_a - t.mix_seconds) > 0.002 ||
        std::abs(t.b_seconds / t.stretch_b - t.mix_seconds) > 0.002)
      bad(source, where + ": impossible tempo ratios: overlap lengths " + fmt(t.a_seconds) + "/" +
                      fmt(t.b_seconds) + " s do not match the stretches " + fmt(t.stretch_a) + "/" +
                      fmt(t.stretch_b) + " over " + fmt(t.mix_seconds) + " s");
    if (t.target_bpm > 0 && t.type != "fade" && t.type != "cut") {
      if (a.bpm > 0 && std::abs(a.bpm * t.stretch_a / t.target_bpm - 1) > 0.01)
        bad(source, where + ": impossible tempo ratios: " + fmt(a.bpm) + " BPM x " +
                        fmt(t.stretch_a) + " is not the target " + fmt(t.target_bpm) + " BPM");
      if (b.bpm > 0 && std::abs(b.bpm * t.b_multiplier * t.stretch_b / t.target_bpm - 1) > 0.01)
        bad(source, where + ": impossible tempo ratios: " + fmt(b.bpm) + " BPM x " +
                        fmt(t.b_multiplier) + " x " + fmt(t.stretch_b) + " is not the target " +
                        fmt(t.target_bpm) + " BPM");
    }
    if (t.exit < 0 || t.exit + t.a_seconds > a.duration + 0.05)
      bad(source, where + ": exit " + fmt(t.exit) + " + " + fmt(t.a_seconds) +
                      " s is outside track " + std::to_string(i));
    if (t.entry < 0 || t.entry + t.b_seconds > b.duration + 0.05)
      bad(source, where + ": entry " + fmt(t.entry) + " + " + fmt(t.b_seconds) +
                      " s is outside track " + std::to_string(i + 1));
    plan.transitions.push_back(std::move(t));
  }
  return plan;
}

void check_plan_inputs(MixPlan& plan, bool verify_sha256) {
  fs::path base = plan.source == "-" ? fs::path() : fs::path(plan.source).parent_path();
  for (PlanTrack& t : plan.tracks) {
    fs::path p(t.path);
    std::string chosen = t.path;
    if (p.is_relative() && !base.empty() && fs::exists(base / p)) chosen = (base / p).string();
    const std::string subject = t.path + " (track " + std::to_string(t.index) + ")";
    struct stat st {};
    if (::stat(chosen.c_str(), &st) != 0) throw Error(Exit::no_input, subject, "no such file");
    // A track is decoded more than once (probe, then render): only a regular file will do.
    if (!S_ISREG(st.st_mode)) {
      audio::check_input(chosen);  // names a directory or a device as such
      throw Error(Exit::no_input, subject, "not a regular file");
    }
    if (::access(chosen.c_str(), R_OK) != 0) throw Error(Exit::no_input, subject, "not readable");
    t.resolved = chosen;
  }
  if (!verify_sha256) return;
  for (const PlanTrack& t : plan.tracks) {
    if (t.sha256.empty()) continue;
    if (audio::sha256_file(t.resolved).sha256 != t.sha256)
      throw Error(Exit::data, t.path, "changed since analysis (SHA-256 differs from the plan's)");
  }
}

namespace {
// Signed distance from `t` to the nearest beat of a track's grid (0 without a grid).
double grid_offset(const PlanTrack& track, double t) {
  if (track.period <= 0) return 0;
  const double k = std::round((t - track.first_beat) / track.period);
  return track.first_beat + k * track.period - t;
}
}  // namespace

Timeline layout_plan(const MixPlan& plan, int rate) {
  auto frame = [rate](double seconds) {
    return static_cast<std::int64_t>(std::llround(seconds * rate));
  };
  Timeline tl;
  tl.sample_rate = rate;
  const std::size_t n = plan.tracks.size();
  tl.tracks.resize(n);
  tl.transitions.resize(plan.transitions.size());
  std::int64_t cursor = 0;  // mix frame where the current track's solo part starts
  for (std::size_t i = 0; i < n; ++i) {
    const PlanTrack& track = plan.tracks[i];
    TrackLayout& lay = tl.tracks[i];
    std::int64_t src = frame(track.play_start);
    if (i > 0) {
      const PlanTransition& in = plan.transitions[i - 1];
      const TransitionLayout& tr = tl.transitions[i - 1];
      double entry = in.entry;
      if (tr.frames > 0) entry += tr.align;
      src = frame(entry);
      lay.mix_begin = tr.start;
      if (tr.frames > 0) {
        // A stretch of exactly 1 keeps source and mix frames equal, so it never needs Rubber
        // Band for a frame of rounding.
        const std::int64_t end =
            in.stretch_b == 1.0 ? src + tr.frames : frame(entry + in.b_seconds);
        lay.pieces.push_back({Piece::incoming, src, end, tr.start, tr.frames, in.stretch_b});
        src = end;
      }
    }
    lay.solo_begin = cursor;
    std::int64_t solo_end_src = frame(track.play_end);
    const PlanTransition* out = i + 1 < n ? &plan.transitions[i] : nullptr;
    if (out) solo_end_src = frame(out->exit);
    if (solo_end_src < src)
      throw Error(Exit::data, plan.source,
                  "track " + std::to_string(i) + ": its outgoing transition (exit " +
                      fmt(out ? out->exit : 0) + " s) starts before its incoming one ends");
    lay.pieces.push_back({Piece::solo, src, solo_end_src, cursor, solo_end_src - src, 1.0});
    cursor += solo_end_src - src;
    lay.solo_end = cursor;
    if (out) {
      TransitionLayout& tr = tl.transitions[i];
      tr.start = cursor;
      tr.frames = out->type == "cut" ? 0 : frame(out->mix_seconds);
      const PlanTrack& next = plan.tracks[i + 1];
      if (tr.frames > 0 && out->type != "fade" && track.period > 0 && next.period > 0) {
        // A's beat sits dA after its exit in source time, i.e. dA / stretch_a in the mix;
        // B's first beat must land there: its source start moves by dB - dA * sb / sa.
        const double da = grid_offset(track, out->exit), db = grid_offset(next, out->entry);
        const double shift = db - da * out->stretch_b / out->stretch_a;
        // A start before 0 is fine: the reader plays silence before the file.
        if (std::abs(shift) < next.period / 4) tr.align = shift;
      }
      if (tr.frames > 0)
        lay.pieces.push_back(
            {Piece::outgoing, solo_end_src,
             out->stretch_a == 1.0 ? solo_end_src + tr.frames : frame(out->exit + out->a_seconds),
             cursor, tr.frames, out->stretch_a});
      lay.mix_end = cursor + tr.frames;
      cursor += tr.frames;
    } else {
      lay.mix_end = cursor;
    }
  }
  tl.frames = cursor;
  if (tl.frames <= 0) throw Error(Exit::data, plan.source, "the mix is empty");
  return tl;
}

}  // namespace mix
