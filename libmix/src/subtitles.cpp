#include "libmix/subtitles.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "libaudio/error.hpp"
#include "libaudio/input_file.hpp"

namespace mix {
namespace {

using audio::Error;
using audio::Exit;

struct Line {
  std::string_view text;
  std::size_t number = 0;  // 1-based
};

bool is_blank(std::string_view s) {
  return s.find_first_not_of(" \t") == std::string_view::npos;
}

bool starts_with_word(std::string_view line, std::string_view word) {
  if (line.substr(0, word.size()) != word) return false;
  return line.size() == word.size() || line[word.size()] == ' ' || line[word.size()] == '\t';
}

// The 1-based line of the first byte that is NUL or not part of well-formed UTF-8, or 0.
std::size_t first_bad_utf8_line(std::string_view s) {
  std::size_t line = 1;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '\n') ++line;
    if (c == 0) return line;
    std::size_t extra = 0;
    std::uint32_t min = 0, cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3, min = 0x10000, cp = c & 0x07;
    } else {
      return line;
    }
    if (i + extra >= s.size()) return line;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return line;
      cp = (cp << 6) | (d & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and values beyond Unicode are not UTF-8.
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return line;
    i += extra + 1;
  }
  return 0;
}

std::vector<Line> split_lines(std::string_view s) {
  std::vector<Line> lines;
  std::size_t number = 1, start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '\n' || s[i] == '\r') {
      lines.push_back({s.substr(start, i - start), number++});
      if (i < s.size() && s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  // A final line end does not open another (empty) line.
  if (!lines.empty() && lines.back().text.empty()) lines.pop_back();
  return lines;
}

[[noreturn]] void fail(const std::string& source, std::size_t line, const std::string& what) {
  throw Error(Exit::data, source, "line " + std::to_string(line) + ": " + what);
}

// Reads 1+ digits at `pos` (at most `max_digits`); false when there are none or too many.
bool read_number(std::string_view s, std::size_t& pos, std::size_t max_digits, std::int64_t& v) {
  const std::size_t begin = pos;
  v = 0;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
    if (pos - begin == max_digits) return false;
    v = v * 10 + (s[pos] - '0');
    ++pos;
  }
  return pos > begin;
}

// Parses "[H+:]MM:SS(,|.)mmm" at s[pos]; hours are required in SRT. Returns an empty string
// on success, else what is wrong.
std::string parse_time(std::string_view s, std::size_t& pos, bool vtt, std::int64_t& ms) {
  std::int64_t groups[3] = {0, 0, 0};
  std::size_t widths[3] = {0, 0, 0};
  int n = 0;
  for (;;) {
    const std::size_t begin = pos;
    if (!read_number(s, pos, 9, groups[n])) return "bad timestamp";
    widths[n] = pos - begin;
    ++n;
    if (pos < s.size() && s[pos] == ':' && n < 3) {
      ++pos;
      continue;
    }
    break;
  }
  if (n < 2 || (!vtt && n < 3))
    return vtt ? "bad timestamp (want [HH:]MM:SS.mmm)" : "bad timestamp (want HH:MM:SS,mmm)";
  if (pos >= s.size() || (s[pos] != ',' && s[pos] != '.')) return "timestamp lacks milliseconds";
  ++pos;
  const std::size_t frac_begin = pos;
  std::int64_t frac = 0;
  if (!read_number(s, pos, 3, frac) || pos - frac_begin != 3) {
    return "milliseconds must have three digits";
  }
  const std::int64_t hours = n == 3 ? groups[0] : 0;
  const std::int64_t minutes = groups[n - 2], seconds = groups[n - 1];
  if (widths[n - 2] != 2 || widths[n - 1] != 2) return "minutes and seconds must have two digits";
  if (minutes > 59 || seconds > 59) return "minutes or seconds above 59";
  ms = ((hours * 60 + minutes) * 60 + seconds) * 1000 + frac;
  return {};
}

// Parses "start --> end[ settings]". Returns an empty string on success, else what is wrong.
std::string parse_timing(std::string_view line, bool vtt, Cue& cue) {
  std::size_t pos = 0;
  while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
  std::string why = parse_time(line, pos, vtt, cue.start_ms);
  if (!why.empty()) return why + " (start)";
  const std::size_t arrow = line.find("-->", pos);
  if (arrow == std::string_view::npos || !is_blank(line.substr(pos, arrow - pos))) {
    return "expected '-->' after the start time";
  }
  pos = arrow + 3;
  while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
  why = parse_time(line, pos, vtt, cue.end_ms);
  if (!why.empty()) return why + " (end)";
  if (pos < line.size() && line[pos] != ' ' && line[pos] != '\t') {
    return "unexpected text after the end time";
  }
  if (cue.end_ms < cue.start_ms) return "the cue ends before it starts";
  return {};
}

void append_vtt_text(std::string& out, std::string_view line) {
  static const std::pair<std::string_view, std::string_view> kEntities[] = {
      {"&amp;", "&"},
      {"&lt;", "<"},
      {"&gt;", ">"},
      {"&nbsp;", "\xC2\xA0"},
      {"&lrm;", "\xE2\x80\x8E"},
      {"&rlm;", "\xE2\x80\x8F"}};
  for (std::size_t i = 0; i < line.size();) {
    bool decoded = false;
    if (line[i] == '&') {
      for (const auto& [name, value] : kEntities) {
        if (line.substr(i, name.size()) == name) {
          out += value;
          i += name.size();
          decoded = true;
          break;
        }
      }
    }
    if (!decoded) out += line[i++];
  }
}

}  // namespace

Subtitles parse_subtitles(std::string_view text, const std::string& source) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  if (const std::size_t bad = first_bad_utf8_line(text)) {
    throw Error(Exit::data, source,
                "not SRT or WebVTT subtitles: line " + std::to_string(bad) + ": not UTF-8 text");
  }
  const std::vector<Line> lines = split_lines(text);
  Subtitles subs;
  const bool vtt = !lines.empty() && starts_with_word(lines[0].text, "WEBVTT");
  subs.format = vtt ? SubtitleFormat::vtt : SubtitleFormat::srt;
  std::size_t i = 0;
  if (vtt) {  // the header block, up to the first blank line
    while (i < lines.size() && !is_blank(lines[i].text)) ++i;
  }
  for (;;) {
    while (i < lines.size() && is_blank(lines[i].text)) ++i;
    if (i >= lines.size()) break;
    const Line& first = lines[i];
    if (vtt && (starts_with_word(first.text, "NOTE") || starts_with_word(first.text, "STYLE") ||
                starts_with_word(first.text, "REGION"))) {
      while (i < lines.size() && !is_blank(lines[i].text)) ++i;
      continue;
    }
    std::size_t timing = i;
    if (first.text.find("-->") == std::string_view::npos) {
      if (!vtt) {
        std::size_t pos = 0;
        std::int64_t index = 0;
        const std::string_view t = first.text;
        const std::size_t skip = t.find_first_not_of(" \t");
        pos = skip;
        if (!read_number(t, pos, 18, index) || !is_blank(t.substr(pos))) {
          const std::string what = "expected a cue number or a timing line";
          if (subs.cues.empty()) {
            throw Error(
                Exit::data, source,
                "not SRT or WebVTT subtitles: line " + std::to_string(first.number) + ": " + what);
          }
          fail(source, first.number, what);
        }
      }
      timing = i + 1;
      if (timing >= lines.size() || is_blank(lines[timing].text)) {
        fail(source, first.number, "a cue without a timing line");
      }
    }
    Cue cue;
    const std::string why = parse_timing(lines[timing].text, vtt, cue);
    if (!why.empty()) fail(source, lines[timing].number, why);
    i = timing + 1;
    bool first_line = true;
    while (i < lines.size() && !is_blank(lines[i].text)) {
      const std::string_view t = lines[i].text;
      if (t.find("-->") != std::string_view::npos) {
        Cue probe;
        if (parse_timing(t, vtt, probe).empty()) {
          fail(source, lines[i].number,
               "a timing line inside a cue (a blank line missing before it?)");
        }
      }
      if (!first_line) cue.text += '\n';
      if (vtt) {
        append_vtt_text(cue.text, t);
      } else {
        cue.text += t;
      }
      first_line = false;
      ++i;
    }
    if (cue.text.size() > kMaxCueBytes) {
      fail(source, lines[timing].number,
           "the cue's text is " + std::to_string(cue.text.size()) + " bytes, over the limit of " +
               std::to_string(kMaxCueBytes));
    }
    subs.cues.push_back(std::move(cue));
  }
  std::stable_sort(subs.cues.begin(), subs.cues.end(),
                   [](const Cue& a, const Cue& b) { return a.start_ms < b.start_ms; });
  return subs;
}

Subtitles read_subtitles(const std::string& path, std::size_t max_bytes) {
  const std::string data = audio::read_input_text(path, max_bytes);
  if (data.empty()) throw Error(Exit::data, path, "empty file");
  return parse_subtitles(data, path);
}

std::string format_timestamp(std::int64_t ms, SubtitleFormat format) {
  if (ms < 0) ms = 0;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%02lld:%02lld:%02lld%c%03lld",
                static_cast<long long>(ms / 3600000), static_cast<long long>(ms / 60000 % 60),
                static_cast<long long>(ms / 1000 % 60), format == SubtitleFormat::srt ? ',' : '.',
                static_cast<long long>(ms % 1000));
  return buf;
}

std::string write_srt(const std::vector<Cue>& cues) {
  std::string out;
  std::size_t n = 0;
  for (const Cue& c : cues) {
    out += std::to_string(++n) + '\n';
    out += format_timestamp(c.start_ms, SubtitleFormat::srt) + " --> " +
           format_timestamp(c.end_ms, SubtitleFormat::srt) + '\n';
    if (!c.text.empty()) out += c.text + '\n';
    out += '\n';
  }
  return out;
}

std::string write_vtt(const std::vector<Cue>& cues) {
  std::string out = "WEBVTT\n\n";
  for (const Cue& c : cues) {
    out += format_timestamp(c.start_ms, SubtitleFormat::vtt) + " --> " +
           format_timestamp(c.end_ms, SubtitleFormat::vtt) + '\n';
    std::string text;
    for (std::size_t i = 0; i < c.text.size(); ++i) {
      if (c.text[i] == '&') {
        text += "&amp;";
      } else if (c.text.compare(i, 3, "-->") == 0) {
        text += "--&gt;";
        i += 2;
      } else {
        text += c.text[i];
      }
    }
    if (!text.empty()) out += text + '\n';
    out += '\n';
  }
  return out;
}

std::string strip_tags(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<') {
      const std::size_t close = text.find('>', i);
      if (close != std::string_view::npos) {
        i = close;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace mix
