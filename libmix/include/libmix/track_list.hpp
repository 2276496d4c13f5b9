// The track list of a mix, and its two text forms: an LRC file and a CUE sheet.
//
// Times. Each start time is rounded to the nearest tick of the format (LRC: centisecond,
// CUE: frame of 1/75 s; ties away from zero). Start times must not decrease, and rounding
// to nearest is monotonic, so a later track never gets an earlier time than the one before
// it (tracks closer than a tick may share one). Times beyond 99 minutes keep counting minutes: LRC
// "[123:04.50]", CUE "123:04:37" (the CD format limits CUE times to 99:59:74, but cue sheets for
// single long files exceed it routinely, and readers that parse the minutes as an integer accept
// it). LRC readers that match exactly two minute digits skip such lines; which common readers
// accept them is recorded in man/djb-render-outputs.txt.
//
// LRC (one line per track, "\n" line ends, UTF-8 without BOM):
//   [ti:TITLE] [ar:ARTIST] [al:ALBUM] [length:mm:ss] [re:TOOL] [ve:VERSION] (each only when
//   non-empty; length when > 0, rounded to the nearest second), then per track
//   "[mm:ss.xx]Artist - Title", or "[mm:ss.xx]Title" when the artist is empty (the file name
//   stands in for an empty title). LRC has no quoting or escapes: control characters and
//   Unicode line breaks in a text become spaces, and "[" / "]" become "(" / ")", since
//   readers take "[...]" for a tag (a title "[01:00]" would become a second time stamp, and
//   "]" would end a header tag early). Surrounding spaces are trimmed (readers trim them).
//
// CUE (CRLF line ends, UTF-8 without BOM):
//   REM COMMENT "TOOL VERSION", PERFORMER "...", TITLE "..." (each when non-empty),
//   FILE "name" TYPE (MP3 for .mp3, AIFF for .aif/.aiff, else WAVE), then per track
//     TRACK nn AUDIO, TITLE "..." (the file name for an empty title), PERFORMER "..." (when
//     non-empty), REM SOURCE "file name" (when non-empty), INDEX 01 mm:ss:ff
//   Strings are always quoted. A CUE sheet has no escape for '"', so a double quote inside a
//   text becomes a single quote ('); control characters and line breaks become spaces.
//   More than 99 tracks is an error (TRACK numbers have two digits).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace mix {

struct TrackEntry {
  double start_seconds = 0;  // where the track starts in the mix (>= 0)
  std::string artist;        // may be empty
  std::string title;
  std::string file;  // the source file's name (CUE "REM SOURCE"; stands in for an empty title)
};

struct TrackList {
  std::string title;               // of the mix: [ti:], CUE TITLE
  std::string artist;              // performer of the mix: [ar:], CUE PERFORMER
  std::string album;               // [al:]
  double length_seconds = 0;       // of the mix: [length:]; 0 = not written
  std::string tool;                // creating program: [re:], CUE REM COMMENT (e.g. "djb-render")
  std::string tool_version;        // [ve:]; empty = not written
  std::vector<TrackEntry> tracks;  // in mix order: start times must not decrease
};

// Throw audio::Error(software) for a list whose start times decrease, are negative or not
// finite; write_cue also for more than 99 tracks.
void write_lrc(std::ostream& out, const TrackList& list);
void write_cue(std::ostream& out, const TrackList& list, const std::string& audio_file_name);

// The same as strings (e.g. for ZipBundle::add_text).
std::string lrc_text(const TrackList& list);
std::string cue_text(const TrackList& list, const std::string& audio_file_name);

// Each track's start in ticks of 1/ticks_per_second (100 for LRC, 75 for CUE), rounded to
// nearest as above. Throws like write_lrc.
std::vector<std::int64_t> start_ticks(const TrackList& list, int ticks_per_second);

// "mm:ss.xx" for a number of centiseconds, "mm:ss:ff" for a number of CUE frames.
std::string lrc_time(std::int64_t centiseconds);
std::string cue_time(std::int64_t frames);

}  // namespace mix
