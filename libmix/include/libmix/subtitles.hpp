// Subtitles: one parser for SubRip (SRT) and WebVTT into one cue list, and writers for both.
//
// The format is told by the content, not the file name: a file whose first line is "WEBVTT"
// (after an optional UTF-8 byte-order mark) is WebVTT, anything else is read as SRT. Line
// ends may be LF, CRLF or CR. The input must be UTF-8 text; NUL bytes or invalid UTF-8 are
// rejected.
//
// SRT: blocks separated by blank lines, each an index line (a number; may be missing), a
// timing line "HH:MM:SS,mmm --> HH:MM:SS,mmm" ('.' accepted for ',', display coordinates
// after the end time ignored) and text lines. WebVTT: the header block, then cues (an
// optional identifier line, "[HH:]MM:SS.mmm --> [HH:]MM:SS.mmm [settings]", text), with NOTE,
// STYLE and REGION blocks skipped and cue settings dropped; the entities &amp; &lt; &gt;
// &nbsp; &lrm; &rlm; are decoded. Text keeps its lines and inline tags (<i>, <b>, ...).
//
// A malformed cue (a bad timestamp, minutes or seconds above 59, an end before its start, a
// block without a timing line) is an Error(data) whose message starts "line N:" with the
// 1-based line of the input where it was found. A line of only spaces and tabs ends a block
// like an empty one; a cue may have no text. Cues are returned sorted by start time
// (stable), since real SRT files are not always in order.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mix {

struct Cue {
  std::int64_t start_ms = 0;
  std::int64_t end_ms = 0;
  std::string text;  // lines joined by '\n'; tags kept, entities decoded
};

enum class SubtitleFormat { srt, vtt };

struct Subtitles {
  SubtitleFormat format = SubtitleFormat::srt;
  std::vector<Cue> cues;
};

// Parses subtitles from memory. `source` names the input in errors.
Subtitles parse_subtitles(std::string_view text, const std::string& source);

// Reads and parses a file ("-" = stdin). Throws Error(no_input) when it cannot be read,
// Error(data) when it is not SRT/WebVTT or a cue is malformed, or it exceeds `max_bytes`.
// A cue's text may hold at most kMaxCueBytes: far more than anyone reads in a few seconds,
// and well under mov_text's 64 KiB per sample (FFmpeg's encoder also slows down steeply on
// long cues).
inline constexpr std::size_t kMaxCueBytes = 16u << 10;
Subtitles read_subtitles(const std::string& path, std::size_t max_bytes = 64u << 20);

// "HH:MM:SS,mmm" (SRT) or "HH:MM:SS.mmm" (WebVTT).
std::string format_timestamp(std::int64_t ms, SubtitleFormat format);

// The cue list as a complete SRT (numbered from 1, CRLF-free) or WebVTT document. The VTT
// writer escapes '&' and "-->" in text, so its output parses back to the same cues.
std::string write_srt(const std::vector<Cue>& cues);
std::string write_vtt(const std::vector<Cue>& cues);

// The text with inline tags removed (for players that show markup literally).
std::string strip_tags(std::string_view text);

}  // namespace mix
