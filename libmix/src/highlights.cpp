#include "libmix/highlights.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "libaudio/atomic_file.hpp"
#include "libaudio/decoder.hpp"
#include "libaudio/error.hpp"
#include "libaudio/input_source.hpp"
#include "libaudio/version.hpp"
#include "libmix/thumbnails.hpp"

namespace mix {
namespace {

namespace fs = std::filesystem;
using audio::Error;
using audio::Exit;
using audio::Json;

// Removes what a failed run made (files, then the directories it created), unless kept.
struct Made {
  std::vector<std::string> files, dirs;
  bool keep = false;
  ~Made() {
    if (keep) return;
    for (const std::string& f : files) ::unlink(f.c_str());
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) ::rmdir(it->c_str());  // if empty
  }
};

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
  const audio::InputSource input(path);
  const std::string& src = input.source();
  audio::AudioInfo info;
  try {
    info = audio::probe_audio(src);
  } catch (const Error& e) {
    throw Error(e.code(), path, e.what());
  }
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
  for (const CutRequest& c : cuts) made.files.push_back(c.output);
  std::vector<CutResult> results;
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
    for (const auto& t : thumbs) made.files.push_back(t.output);
  }
  std::vector<Thumbnail> shots;
  if (!thumbs.empty()) {
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
                  {"exact", o.cut.exact},
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
    j["file"] = rel(results[k].output);
    j["cut"] = {{"start", audio::round_seconds(results[k].start)},
                {"end", audio::round_seconds(results[k].end)},
                {"reencoded", results[k].reencoded}};
    j["thumbnails"] = shots.empty() ? Json::array() : thumb_json(3 * k);
    clips.push_back(j);
  }
  m["clips"] = clips;
  Json unmet = Json::array();
  for (const UnmetLength& u : plan.unmet)
    unmet.push_back({{"length", audio::round_seconds(u.length)}, {"reason", u.reason}});
  m["unmet"] = unmet;
  m["thumbnails"] = shots.empty() ? Json::array() : thumb_json(3 * plan.clips.size());
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
