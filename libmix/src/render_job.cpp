#include "libmix/render_job.hpp"

#include <unistd.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>

#include "libaudio/atomic_file.hpp"
#include "libaudio/error.hpp"
#include "libaudio/version.hpp"
#include "libmix/mp3_writer.hpp"
#include "libmix/track_list.hpp"
#include "libmix/zip_bundle.hpp"

namespace mix {

namespace fs = std::filesystem;
using audio::Error;
using audio::Exit;
using audio::Json;

namespace {

constexpr double kMp3HeadroomDb = 0.7;

std::string lower_ext(const std::string& path) {
  std::string e = fs::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e;
}

class Mp3Sink : public AudioSink {
 public:
  Mp3Sink(const std::string& path, const Mp3Options& o) : w_(path, o) {}
  void write(const float* s, std::size_t frames) override { w_.write(s, frames); }
  void commit() override { w_.commit(); }

 private:
  Mp3Writer w_;
};

// An AtomicFile holding text, renamed into place later.
class TextOutput {
 public:
  TextOutput(const std::string& path, const std::string& text) : file_(path) {
    std::size_t at = 0;
    while (at < text.size()) {
      const ssize_t n = ::write(file_.fd(), text.data() + at, text.size() - at);
      if (n < 0) throw Error(Exit::io, path, "cannot write");
      at += static_cast<std::size_t>(n);
    }
  }
  void commit() { file_.commit(); }

 private:
  audio::AtomicFile file_;
};

Json seconds_or_null(double v) {
  return std::isfinite(v) ? Json(audio::round_to(v, 2)) : Json(nullptr);
}

// A transition's bass clash (low_end_meter.hpp); null in a preview, which has no solo
// parts to judge a bass's level by.
Json low_end_json(const LowEndClash& c) {
  Json bars = Json::array();
  for (double db : c.bar_clash_db) bars.push_back(audio::round_to(db, 2));
  return {{"bars", c.bars},
          {"clash_bars", c.clash_bars},
          {"max_clash_db", audio::round_to(c.max_clash_db, 2)},
          {"bar_clash_db", bars}};
}

Json db_or_null(double linear) {
  return linear > 0 ? Json(audio::round_to(20 * std::log10(linear), 2)) : Json(nullptr);
}

}  // namespace

OutputNames output_names(const std::string& output, bool preview) {
  if (output == "-") {  // MP3 on stdout: no file to put a track list beside
    OutputNames n;
    n.audio = output;
    n.plan_in_bundle = "mix.plan.json";
    return n;
  }
  const std::string ext = lower_ext(output);
  if (ext != ".mp3" && ext != ".wav" && ext != ".flac")
    throw Error(Exit::usage, output, "the mix must be .mp3, .wav or .flac");
  OutputNames n;
  n.audio = output;
  const fs::path p(output);
  if (!preview) {
    n.lrc = (p.parent_path() / (p.stem().string() + ".lrc")).string();
    n.cue = (p.parent_path() / (p.stem().string() + ".cue")).string();
  }
  n.plan_in_bundle = p.stem().string() + ".plan.json";
  return n;
}

Json run_render_job(const RenderJob& job, const std::function<void()>& on_checked) {
  const OutputNames names = output_names(job.output, job.render.preview);
  if (!job.bundle.empty() && lower_ext(job.bundle) != ".zip")
    throw Error(Exit::usage, job.bundle, "the bundle must be a .zip");
  if (job.render.preview && !job.bundle.empty())
    throw Error(Exit::usage, job.bundle, "a preview has no bundle");
  if (job.output == "-" && !job.bundle.empty())
    throw Error(Exit::usage, job.bundle, "a bundle holds the mix file: write it with -o FILE");

  const Json doc = audio::read_json_file(job.plan_path);
  MixPlan plan = parse_plan(doc, job.plan_path);
  check_plan_inputs(plan, job.verify_sha256);
  std::vector<audio::NamedFile> inputs{{"the plan", job.plan_path}};
  for (const PlanTrack& t : plan.tracks) inputs.push_back({"a track of the plan", t.resolved});
  audio::OutputGroup group;  // the mix, its LRC, CUE and bundle: all or none
  for (const auto& [label, path] : inputs) group.protect(path, label);
  const Timeline tl = layout_plan(plan, job.render.sample_rate);

  audio::ensure_distinct_files(inputs, {{"-o", names.audio},
                                        {"the LRC", names.lrc},
                                        {"the CUE", names.cue},
                                        {"--bundle", job.bundle}});
  if (on_checked) on_checked();

  // The track list: each track starts where it starts to sound.
  const bool to_stdout = names.audio == "-";
  const std::string mix_title = !job.title.empty() ? job.title
                                : to_stdout        ? std::string("mix")
                                                   : fs::path(names.audio).stem().string();
  TrackList list;
  list.title = mix_title;
  list.artist = job.artist;
  list.length_seconds = static_cast<double>(tl.frames) / tl.sample_rate;
  list.tool = "djb-render";
  list.tool_version = audio::kToolkitVersion;
  for (std::size_t i = 0; i < plan.tracks.size(); ++i)
    list.tracks.push_back({static_cast<double>(tl.tracks[i].mix_begin) / tl.sample_rate,
                           plan.tracks[i].artist.value_or(""), plan.tracks[i].title,
                           fs::path(plan.tracks[i].path).filename().string()});
  const std::string audio_name = fs::path(names.audio).filename().string();
  std::optional<TextOutput> lrc, cue;
  std::string lrc_body, cue_body;
  if (!names.lrc.empty()) {
    lrc_body = lrc_text(list);
    cue_body = cue_text(list, audio_name);
    lrc.emplace(names.lrc, lrc_body);
    cue.emplace(names.cue, cue_body);
  }

  std::unique_ptr<AudioSink> sink;
  RenderOptions render = job.render;
  if (to_stdout || lower_ext(names.audio) == ".mp3") {
    // MP3's quantisation noise adds to the peaks (0.45 dB measured on synthesized dance
    // tracks at 320 kbps), so the limiter leaves that much room under the ceiling asked for.
    render.limiter.ceiling_dbtp -= kMp3HeadroomDb;
    Mp3Options mo;
    mo.bitrate_kbps = job.bitrate_kbps;
    // A preview is for auditioning transitions: LAME's quality 7 encodes it about twice as
    // fast as quality 2.
    mo.quality = job.render.preview ? 7 : job.lame_quality;
    mo.sample_rate = job.render.sample_rate;
    mo.channels = 2;
    mo.tags.title = mix_title;
    mo.tags.artist = job.artist;
    mo.tags.comment = std::string("djb-render ") + audio::kToolkitVersion;
    sink = std::make_unique<Mp3Sink>(names.audio, mo);
  } else {
    sink = sound_file_sink(names.audio, job.render.sample_rate, 2);
  }
  const RenderResult r = render_mix(plan, tl, *sink, render);
  if (lrc) lrc->commit();
  if (cue) cue->commit();
  if (!job.bundle.empty()) {
    ZipBundle zip(job.bundle);
    zip.add_file(audio_name, audio::OutputGroup::readable(names.audio));
    zip.add_text(fs::path(names.lrc).filename().string(), lrc_body);
    zip.add_text(fs::path(names.cue).filename().string(), cue_body);
    zip.add_text(names.plan_in_bundle, doc.dump(2) + "\n");
    zip.commit();
  }

  // The report.
  const double rate = r.sample_rate;
  auto sec = [rate](std::int64_t f) { return audio::round_to(static_cast<double>(f) / rate, 6); };
  Json rep;
  rep["schema"] = "djb.render/1";
  rep["toolkit_version"] = audio::kToolkitVersion;
  rep["plan"] = {{"path", job.plan_path}};
  Json out;
  out["path"] = names.audio;
  out["lrc"] = names.lrc.empty() ? Json(nullptr) : Json(names.lrc);
  out["cue"] = names.cue.empty() ? Json(nullptr) : Json(names.cue);
  out["bundle"] = job.bundle.empty() ? Json(nullptr) : Json(job.bundle);
  out["format"] = to_stdout ? std::string("mp3") : lower_ext(names.audio).substr(1);
  if (out["format"] == "mp3") {
    out["bitrate_kbps"] = job.bitrate_kbps;
    out["lame_quality"] = job.render.preview ? 7 : job.lame_quality;
  }
  out["sample_rate"] = r.sample_rate;
  out["channels"] = r.channels;
  out["frames"] = r.frames;
  out["duration"] = sec(r.frames);
  rep["output"] = out;
  rep["preview"] = job.render.preview;
  rep["engine"] = job.render.engine == StretchEngine::finer ? "finer (R3)" : "faster (R2)";
  rep["target_lufs"] = job.render.target_lufs;
  rep["set_target_lufs"] = audio::round_to(r.target_lufs, 2);
  rep["ceiling_dbtp"] = job.render.limiter.ceiling_dbtp;
  rep["limiter_ceiling_dbtp"] = audio::round_to(render.limiter.ceiling_dbtp, 2);
  rep["limiter_allowance_db"] = job.render.limiter_allowance_db;
  Json tracks = Json::array();
  for (std::size_t i = 0; i < plan.tracks.size(); ++i) {
    const PlanTrack& pt = plan.tracks[i];
    const RenderedTrack& rt = r.tracks[i];
    Json t;
    t["index"] = pt.index;
    t["input"] = audio::input_record(pt.path, pt.sha256);
    t["title"] = pt.title;
    t["artist"] = pt.artist ? Json(*pt.artist) : Json(nullptr);
    t["source_lufs"] = pt.integrated_lufs ? Json(*pt.integrated_lufs) : Json(nullptr);
    t["gain_db"] = audio::round_to(rt.loudness.gain_db, 2);
    t["wanted_gain_db"] = audio::round_to(rt.loudness.wanted_db, 2);
    t["gain_capped_by"] =
        rt.loudness.capped_by.empty() ? Json(nullptr) : Json(rt.loudness.capped_by);
    t["start"] = rt.mix_begin >= 0 ? Json(sec(rt.mix_begin)) : Json(nullptr);
    t["start_sample"] = rt.mix_begin >= 0 ? Json(rt.mix_begin) : Json(nullptr);
    t["end"] = rt.mix_end >= 0 ? Json(sec(rt.mix_end)) : Json(nullptr);
    t["end_sample"] = rt.mix_end >= 0 ? Json(rt.mix_end) : Json(nullptr);
    t["output_lufs"] = seconds_or_null(rt.output_lufs);
    Json segs = Json::array();
    for (const RenderedPiece& rp : rt.pieces) {
      const Piece& p = rp.piece;
      segs.push_back({{"kind", to_string(p.kind)},
                      {"source_start", sec(p.src_begin)},
                      {"source_end", sec(p.src_end)},
                      {"mix_start", sec(p.mix_begin)},
                      {"mix_start_sample", p.mix_begin},
                      {"mix_samples", p.mix_frames},
                      {"stretch", p.speed},
                      {"time_ratio", audio::round_to(rp.time_ratio, 6)},
                      {"rubberband", rp.stretched}});
    }
    t["segments"] = segs;
    tracks.push_back(t);
  }
  rep["tracks"] = tracks;
  Json transitions = Json::array();
  for (std::size_t k = 0; k < plan.transitions.size(); ++k) {
    const PlanTransition& pt = plan.transitions[k];
    const RenderedTransition& rt = r.transitions[k];
    transitions.push_back(
        {{"from", pt.from},
         {"to", pt.to},
         {"type", pt.type},
         {"start", rt.start >= 0 ? Json(sec(rt.start)) : Json(nullptr)},
         {"start_sample", rt.start >= 0 ? Json(rt.start) : Json(nullptr)},
         {"samples", rt.frames},
         {"seconds", sec(rt.frames)},
         {"target_bpm", pt.target_bpm},
         {"stretch_a", pt.stretch_a},
         {"stretch_b", pt.stretch_b},
         {"beat_alignment_ms", audio::round_to(tl.transitions[k].align * 1e3, 3)},
         {"low_end", k < r.low_end.size() ? low_end_json(r.low_end[k]) : Json(nullptr)}});
  }
  rep["transitions"] = transitions;
  rep["stretched_source_seconds"] = sec(r.stretched_source_frames);
  rep["measured"] = {
      {"integrated_lufs", seconds_or_null(r.integrated_lufs)},
      {"loudness_range", audio::round_to(r.loudness_range, 2)},
      {"true_peak_dbtp", db_or_null(r.true_peak)},
      {"sample_peak_dbfs", db_or_null(r.sample_peak)},
      {"limiter_min_gain_db", db_or_null(r.limiter_min_gain)},
      {"limited_seconds", sec(r.limited_frames)},
      {"limited_fraction",
       r.frames > 0 ? audio::round_to(
                          static_cast<double>(r.limited_frames) / static_cast<double>(r.frames), 4)
                    : 0.0}};
  group.commit();
  return rep;
}

}  // namespace mix
