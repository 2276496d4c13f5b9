#include "libmix/track_list.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "libaudio/error.hpp"

namespace mix {
namespace {

using audio::Error;
using audio::Exit;

// Text made safe for one line of a format that has no escapes: control characters and the
// Unicode line breaks (U+0085, U+2028, U+2029) become spaces, the characters in `from`
// become the matching ones in `to`; surrounding spaces are trimmed (LRC readers trim them).
std::string one_line(const std::string& s, const std::string& from, const std::string& to) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) {
      out += ' ';
    } else if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x85) {
      out += ' ', ++i;
    } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      out += ' ', i += 2;
    } else if (const auto k = from.find(s[i]); k != std::string::npos) {
      out += to[k];
    } else {
      out += s[i];
    }
  }
  const auto b = out.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  return out.substr(b, out.find_last_not_of(' ') - b + 1);
}

std::string lrc_clean(const std::string& s) {
  return one_line(s, "[]", "()");
}
std::string cue_clean(const std::string& s) {
  return one_line(s, "\"", "'");
}
// Appended rather than "\"" + ... + "\"", on which GCC 12 warns falsely (-Wrestrict).
std::string quoted(const std::string& s) {
  std::string out(1, '"');
  out += cue_clean(s);
  out += '"';
  return out;
}

void check_written(const std::ostream& out) {
  if (!out) throw Error(Exit::io, "", "cannot write the track list");
}

std::string two_digit(std::int64_t minutes, std::int64_t seconds, std::int64_t part,
                      char separator) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld%c%02lld", static_cast<long long>(minutes),
                static_cast<long long>(seconds), separator, static_cast<long long>(part));
  return buf;
}

// The text of a track's line: "Artist - Title", or the title (or file name) alone.
std::string track_text(const TrackEntry& t) {
  const std::string title = lrc_clean(t.title.empty() ? t.file : t.title);
  const std::string artist = lrc_clean(t.artist);
  return artist.empty() ? title : artist + " - " + title;
}

std::string file_type(const std::string& name) {
  const auto dot = name.rfind('.');
  std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "mp3") return "MP3";
  if (ext == "aif" || ext == "aiff") return "AIFF";
  return "WAVE";  // what cue readers expect for WAV and, by convention, for FLAC too
}

}  // namespace

std::vector<std::int64_t> start_ticks(const TrackList& list, int ticks_per_second) {
  std::vector<std::int64_t> ticks;
  ticks.reserve(list.tracks.size());
  double previous = 0;
  for (std::size_t i = 0; i < list.tracks.size(); ++i) {
    const double s = list.tracks[i].start_seconds;
    const std::string which = "track " + std::to_string(i + 1);
    if (!std::isfinite(s) || s < 0 || s > 1e9) {
      throw Error(Exit::software, which, "start time must be a number of seconds from 0 to 1e9");
    }
    if (s < previous) throw Error(Exit::software, which, "starts before the track before it");
    previous = s;
    ticks.push_back(std::llround(s * ticks_per_second));
  }
  return ticks;
}

std::string lrc_time(std::int64_t cs) {
  return two_digit(cs / 6000, cs / 100 % 60, cs % 100, '.');
}

std::string cue_time(std::int64_t frames) {
  return two_digit(frames / (75 * 60), frames / 75 % 60, frames % 75, ':');
}

void write_lrc(std::ostream& out, const TrackList& list) {
  const auto ticks = start_ticks(list, 100);
  auto header = [&](const char* key, const std::string& value) {
    const std::string v = lrc_clean(value);
    if (!v.empty()) out << '[' << key << ':' << v << "]\n";
  };
  header("ti", list.title);
  header("ar", list.artist);
  header("al", list.album);
  if (list.length_seconds > 0 && std::isfinite(list.length_seconds)) {
    const auto s = std::llround(list.length_seconds);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", s / 60, s % 60);
    header("length", buf);
  }
  header("re", list.tool);
  header("ve", list.tool_version);
  for (std::size_t i = 0; i < list.tracks.size(); ++i) {
    out << '[' << lrc_time(ticks[i]) << ']' << track_text(list.tracks[i]) << '\n';
  }
  check_written(out);
}

void write_cue(std::ostream& out, const TrackList& list, const std::string& audio_file_name) {
  if (list.tracks.size() > 99) {
    throw Error(Exit::software, "track list",
                "a CUE sheet holds at most 99 tracks (this list has " +
                    std::to_string(list.tracks.size()) + ")");
  }
  const auto ticks = start_ticks(list, 75);
  const char* eol = "\r\n";
  if (!list.tool.empty()) {
    std::string comment = list.tool;
    if (!list.tool_version.empty()) comment += " " + list.tool_version;
    out << "REM COMMENT " << quoted(comment) << eol;
  }
  if (!cue_clean(list.artist).empty()) out << "PERFORMER " << quoted(list.artist) << eol;
  if (!cue_clean(list.title).empty()) out << "TITLE " << quoted(list.title) << eol;
  out << "FILE " << quoted(audio_file_name) << ' ' << file_type(audio_file_name) << eol;
  for (std::size_t i = 0; i < list.tracks.size(); ++i) {
    const auto& t = list.tracks[i];
    char num[24];
    std::snprintf(num, sizeof num, "%02zu", i + 1);
    out << "  TRACK " << num << " AUDIO" << eol;
    out << "    TITLE " << quoted(t.title.empty() ? t.file : t.title) << eol;
    if (!cue_clean(t.artist).empty()) out << "    PERFORMER " << quoted(t.artist) << eol;
    if (!cue_clean(t.file).empty()) out << "    REM SOURCE " << quoted(t.file) << eol;
    out << "    INDEX 01 " << cue_time(ticks[i]) << eol;
  }
  check_written(out);
}

std::string lrc_text(const TrackList& list) {
  std::ostringstream out;
  write_lrc(out, list);
  return out.str();
}

std::string cue_text(const TrackList& list, const std::string& audio_file_name) {
  std::ostringstream out;
  write_cue(out, list, audio_file_name);
  return out.str();
}

}  // namespace mix
