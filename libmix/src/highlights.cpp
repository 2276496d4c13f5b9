#include "libmix/highlights.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "libaudio/atomic_file.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "libaudio/input_source.hpp"
#include "libaudio/json_out.hpp"
#include "libaudio/version.hpp"
#include "libmix/thumbnails.hpp"

namespace mix {
namespace {

namespace fs = std::filesystem;
using audio::Error;
using audio::Exit;
using audio::Json;

// Removes the directories a failed run created (if empty: its files are only temporaries in
// the OutputGroup until the end), unless kept.
struct Made {
  std::vector<std::string> dirs;
  bool keep = false;
  ~Made() {
    if (keep) return;
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::rmdir(it->c_str());  // if empty
  }
};

// Every file of this run goes under OUTDIR/clips/, OUTDIR/thumbs/ or is OUTDIR/manifest.json:
// an input there would be overwritten, so it is refused before any work.
void check_input_outside_outputs(const std::string& input, const std::string& outdir) {
  if (input == "-") return;
  std::error_code ec;
  const fs::path in = fs::weakly_canonical(fs::absolute(input, ec), ec);
  const fs::path dir = fs::weakly_canonical(fs::absolute(outdir, ec), ec);
  const std::string in_text = in.string();
  for (const char* sub : {"clips", "thumbs"}) {
    const std::string prefix = (dir / sub).string() + "/";
    if (in_text.rfind(prefix, 0) == 0) {
      throw Error(Exit::usage, input,
                  std::string("the input lies in ") + (dir / sub).string() +
                      ", where this run writes; move it or choose another --outdir");
    }
  }
  if (in == dir / "manifest.json") {
    throw Error(Exit::usage, input, "the input is the manifest this run writes");
  }
}

// The files an earlier run's manifest names (clips and thumbnails), relative to `outdir`:
// what this run replaces. An unreadable manifest names none.
std::vector<std::string> earlier_outputs(const std::string& outdir) {
  std::vector<std::string> files;
  std::error_code ec;
  if (!fs::is_regular_file(outdir + "/manifest.json", ec)) return files;
  Json old;
  try {
    old = audio::read_json_file(outdir + "/manifest.json");
  } catch (const Error&) {
    return files;
  }
  if (!old.is_object() || old.value("schema", Json()) != kClipsManifestSchema) return files;
  const auto add = [&](const Json& entry) {
    if (!entry.is_object() || !entry.contains("file") || !entry["file"].is_string()) return;
    const std::string f = entry["file"].get<std::string>();
    // Only plain names inside clips/ and thumbs/: a damaged manifest deletes nothing else.
    if ((f.rfind("clips/", 0) == 0 || f.rfind("thumbs/", 0) == 0) &&
        f.find("..") == std::string::npos && f.find('/', f.find('/') + 1) == std::string::npos) {
      files.push_back(f);
    }
  };
  for (const char* list : {"clips", "thumbnails"}) {
    if (!old.contains(list) || !old[list].is_array()) continue;
    for (const Json& e : old[list]) {
      add(e);
      if (e.is_object() && e.contains("thumbnails") && e["thumbnails"].is_array()) {
        for (const Json& t : e["thumbnails"]) add(t);
      }
    }
  }
  return files;
}

std::string length_tag(double length) {
  char buf[32];
  if (std::fabs(length - std::round(length)) < 1e-9)
    std::snprintf(buf, sizeof buf, "%ds", int(std::lround(length)));
  else
    std::snprintf(buf, sizeof buf, "%.1fs", length);
  return buf;
}

void make_dir(const std::string& dir, std::vector<std::string>* created = nullptr) {
  std::error_code ec;
  if (created && !fs::exists(dir)) created->push_back(dir);
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw Error(Exit::cant_create, dir, "cannot create directory");
}

}  // namespace

Json make_highlights(const std::string& path, const HighlightOptions& o) {
  if (o.outdir.empty()) throw Error(Exit::usage, "--outdir", "is required");
  check_aspect(o.cut.aspect);
  if (o.audio_format != "input" && o.audio_format != "mp3")
    throw Error(Exit::usage, "--audio-format", "must be input or mp3: " + o.audio_format);
  check_input_outside_outputs(path, o.outdir);
  audio::OutputGroup group;  // clips, thumbnails and manifest: all or none
  group.protect(path, "the input");
  const audio::InputSource input(path);
  const std::string& src = input.source();
  audio::AudioInfo info;
  try {
    info = audio::probe_audio(src);
  } catch (const Error& e) {
    throw Error(e.code(), path, e.what());
  }
  auto stage = [&o](const char* name, int number) {
    if (o.on_stage) o.on_stage(name, number);
  };
  stage("analysing", 1);
  audio::MusicAnalysis music;
  try {
    music = audio::analyze_music(src, o.analysis);
  } catch (const Error& e) {
    throw Error(e.code(), path, e.what());
  }
  // Silence: nothing to find, nothing worth cutting.
  if (music.peak < 1e-3)
    throw Error(Exit::data, path, "silence (no sound above -60 dBFS): nothing to pick clips from");
  double shortest = 1e300;
  for (double l : o.clips.lengths) shortest = std::min(shortest, l);
  if (music.duration < shortest)
    throw Error(Exit::data, path,
                "the audio lasts " + std::to_string(int(std::floor(music.duration))) +
                    " s, shorter than every asked clip length");
  if (o.clips.user && !(o.clips.user->first < music.duration))
    throw Error(Exit::usage, "--user", "starts after the end of the input");
  // No song found (no pulse, no harmony): the whole recording stands in as one.
  if (music.songs.empty()) {
    audio::SongAnalysisOptions whole = o.analysis;
    whole.split = false;
    audio::MusicAnalysis again = audio::analyze_music(src, whole);
    music.songs = std::move(again.songs);
  }
  const ClipPlan plan = pick_clips(music.songs, music.split, o.clips);

  Made made;
  make_dir(o.outdir, &made.dirs);
  const bool video = info.has_video;
  std::string ext = video ? "mp4" : o.audio_format == "mp3" ? "mp3" : audio_clip_extension(info);
  std::vector<CutRequest> cuts;
  std::vector<std::string> names;
  std::map<double, int> numbering;
  for (const Clip& c : plan.clips) {
    const std::string base = c.kind == "user" ? "user"
                                              : "clip-" + length_tag(c.length_asked) + "-" +
                                                    std::to_string(++numbering[c.length_asked]);
    names.push_back(base);
    cuts.push_back({c.start, c.end, o.outdir + "/clips/" + base + "." + ext});
  }
  if (!cuts.empty()) make_dir(o.outdir + "/clips", &made.dirs);
  std::vector<CutResult> results;
  stage("cutting", 2);
  try {
    results = video ? cut_video(src, cuts, o.cut) : cut_audio(src, cuts, o.cut);
  } catch (const Error& e) {
    throw Error(e.code(), e.subject() == src ? path : e.subject(), e.what());
  }
  // Thumbnails at 10/50/90 % of each clip and of the whole video.
  std::vector<ThumbnailRequest> thumbs;
  const double points[3] = {0.1, 0.5, 0.9};
  if (video && o.thumbnails) {
    make_dir(o.outdir + "/thumbs", &made.dirs);
    for (std::size_t k = 0; k < plan.clips.size(); ++k)
      for (double p : points) {
        const Clip& c = plan.clips[k];
        thumbs.push_back(
            {c.start + p * (c.end - c.start), c.end,
             o.outdir + "/thumbs/" + names[k] + "-" + std::to_string(int(p * 100)) + ".jpg"});
      }
    for (double p : points)
      thumbs.push_back({p * music.duration, music.duration,
                        o.outdir + "/thumbs/video-" + std::to_string(int(p * 100)) + ".jpg"});
  }
  std::vector<Thumbnail> shots;
  if (!thumbs.empty()) {
    stage("thumbnails", 3);
    try {
      shots = take_thumbnails(src, thumbs, o.thumbnail_width);
    } catch (const Error& e) {
      throw Error(e.code(), e.subject() == src ? path : e.subject(), e.what());
    }
  }
  const std::size_t prefix = o.outdir.size() + 1;
  auto rel = [&](const std::string& p) { return p.substr(prefix); };
  auto thumb_json = [&](std::size_t first) {
    Json a = Json::array();
    for (std::size_t i = 0; i < 3; ++i) {
      const Thumbnail& t = shots[first + i];
      a.push_back({{"at", points[i]},
                   {"time", audio::round_seconds(t.time)},
                   {"file", rel(t.output)},
                   {"black", t.black}});
    }
    return a;
  };

  Json m;
  m["schema"] = kClipsManifestSchema;
  m["toolkit_version"] = audio::kToolkitVersion;
  m["input"] = audio::input_record(path, input.sha256());
  m["duration"] = audio::round_seconds(music.duration);
  m["media"] = {{"video", video},
                {"container", info.container},
                {"audio_codec", info.codec},
                {"sample_rate", info.sample_rate},
                {"channels", info.channels}};
  // The tempo of the longest song (the concert's or the track's main tempo).
  const audio::SongAnalysis* main_song = nullptr;
  for (const auto& s : music.songs)
    if (!main_song || s.end - s.start > main_song->end - main_song->start) main_song = &s;
  m["tempo"] = main_song && main_song->bpm() > 0 ? Json(audio::round_to(main_song->bpm(), 2))
                                                 : Json(nullptr);
  Json songs = Json::array(), sections = Json::array();
  for (std::size_t k = 0; k < music.songs.size(); ++k) {
    const audio::SongAnalysis& s = music.songs[k];
    songs.push_back(
        {{"start", audio::round_seconds(s.start)},
         {"end", audio::round_seconds(s.end)},
         {"bpm", s.bpm() > 0 ? Json(audio::round_to(s.bpm(), 2)) : Json(nullptr)},
         {"bars", s.structure.bar_starts.empty() ? 0 : s.structure.bar_starts.size() - 1}});
    for (Json sec : audio::sections_json(s.structure.sections)) {
      Json entry;
      entry["song"] = k;
      for (auto it = sec.begin(); it != sec.end(); ++it) entry[it.key()] = *it;
      sections.push_back(entry);
    }
  }
  m["songs"] = songs;
  m["gaps"] = audio::gaps_json(music.split.gaps);
  m["sections"] = sections;
  Json lengths = Json::array();
  for (double l : o.clips.lengths) lengths.push_back(l);
  m["options"] = {{"lengths", lengths},
                  {"per_length", o.clips.per_length},
                  {"exact", o.cut.mode == CutMode::exact},
                  {"cut", cut_mode_name(o.cut.mode)},
                  {"aspect", o.cut.aspect.empty() ? Json(nullptr) : Json(o.cut.aspect)},
                  {"audio_format", o.audio_format}};
  Json clips = Json::array();
  for (std::size_t k = 0; k < plan.clips.size(); ++k) {
    const Clip& c = plan.clips[k];
    Json j;
    j["kind"] = c.kind;
    j["length_asked"] = audio::round_seconds(c.length_asked);
    j["start"] = audio::round_seconds(c.start);
    j["end"] = audio::round_seconds(c.end);
    j["length"] = audio::round_seconds(c.end - c.start);
    j["bars"] = c.bars;
    j["song"] = c.song;
    j["type"] = c.type;
    j["score"] = score_json(c.score);
    if (c.kind == "highlight") {
      j["why"] = c.why;
      j["runners_up"] = runners_up_json(c.runners_up);
    }
    j["file"] = rel(results[k].output);
    j["cut"] = {{"start", audio::round_seconds(results[k].start)},
                {"end", audio::round_seconds(results[k].end)},
                {"reencoded", results[k].reencoded},
                {"reencoded_frames", results[k].reencoded_frames}};
    if (!results[k].note.empty()) j["cut"]["note"] = results[k].note;
    j["thumbnails"] = shots.empty() ? Json::array() : thumb_json(3 * k);
    clips.push_back(j);
  }
  m["clips"] = clips;
  Json unmet = Json::array();
  for (const UnmetLength& u : plan.unmet)
    unmet.push_back({{"length", audio::round_seconds(u.length)}, {"reason", u.reason}});
  m["unmet"] = unmet;
  m["thumbnails"] = shots.empty() ? Json::array() : thumb_json(3 * plan.clips.size());

  std::set<std::string> written;
  for (const CutResult& r : results) written.insert(rel(r.output));
  for (const Thumbnail& t : shots) written.insert(rel(t.output));
  for (const std::string& f : earlier_outputs(o.outdir)) {
    if (!written.count(f)) group.remove_on_commit(o.outdir + "/" + f);
  }
  write_manifest(m, o.outdir);
  group.commit();
  made.keep = true;
  return m;
}

void write_manifest(const Json& manifest, const std::string& outdir) {
  audio::AtomicFile file(outdir + "/manifest.json");
  const std::string text = manifest.dump(2) + "\n";
  const char* p = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t w = ::write(file.fd(), p, left);
    if (w < 0) throw Error(Exit::io, file.target(), "write failed");
    p += w;
    left -= std::size_t(w);
  }
  file.commit();
}

}  // namespace mix
