// Picking highlight clips from the analysed music (song_analysis.hpp): for each asked length,
// the best clips, each a whole number of bars (start and end on bar lines of one song), the
// bar count whose duration is nearest the asked length (ties to the shorter).
//
// Every bar-aligned window of that many bars in every song is a candidate, scored 0..1 per
// part (each reported in the breakdown):
//   repetition  mean over its bars of their repeat weight: a chorus (or climax) bar counts
//               how closely the same bar of its section's best repeat matches it
//               (Structure::bar_repetition: the window that best matches the repeated
//               material wins, and a fill or a last bar the repeats do not share costs),
//               a bar of another repeated section half of that, an unrepeated one 0;
//   energy      mean bar energy over the song's loudest bar;
//   position    half for where it starts: 1 on a section's first bar, 0.75 on a phrase line
//               inside a section (every 4 bars from its start), 0.5 within a bar of either,
//               0.25 elsewhere; half for the share of the clip inside one section (a clip
//               that is all chorus beats one straddling a verse and a chorus);
//   crowd, talk penalties: the share of the clip over applause / talk / silence windows of
//               the song split.
// total = 0.45 repetition + 0.3 energy + 0.25 position - crowd - talk. Clips of one length
// are taken best first and never overlap; clips of different lengths may. The type is the
// label of the section holding most of the clip. Each clip says why it won, in words, and
// carries the next best windows of its length with their scores. A length no song is long
// enough for is reported in `unmet`, with the reason, never dropped silently.
//
// --user START-END: that range with its ends snapped to the nearest bar lines of the song
// holding its middle (as given when there is no bar grid), scored the same way.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "libaudio/json_out.hpp"
#include "libaudio/song_analysis.hpp"

namespace mix {

struct ClipRequest {
  std::vector<double> lengths{15, 30, 60};  // seconds
  int per_length = 1;
  std::optional<std::pair<double, double>> user;  // seconds
};

struct ClipScore {
  double total = 0, repetition = 0, energy = 0, position = 0, crowd = 0, talk = 0;
  double start_line = 0;  // the start's part of position (1, 0.75, 0.5, 0.25), for `why`
};

// A window that was scored against a clip and lost to it.
struct ClipWindow {
  double start = 0, end = 0;
  std::string type;
  ClipScore score;
};

struct Clip {
  std::string kind;         // "highlight" | "user"
  double length_asked = 0;  // seconds (the user range's own length for "user")
  double start = 0, end = 0;
  int bars = 0;      // 0 when not on a bar grid
  int song = 0;      // index in the analysis's songs
  std::string type;  // section label: chorus, climax, verse, ...
  ClipScore score;
  std::string why;                     // the score in words, against the runner-up
  std::vector<ClipWindow> runners_up;  // the next best windows of its length (up to 3)
};

struct UnmetLength {
  double length = 0;
  std::string reason;
};

struct ClipPlan {
  std::vector<Clip> clips;  // by length as asked, best first within a length; the user clip last
  std::vector<UnmetLength> unmet;
};

ClipPlan pick_clips(const std::vector<audio::SongAnalysis>& songs, const audio::SongSplit& split,
                    const ClipRequest& request);

// Parses "--lengths 15,30,60" (seconds, each 1..3600). Throws audio::Error(usage).
std::vector<double> parse_lengths(const std::string& text);
// Parses "--user 62.5-80" or "1:02.5-1:20" (seconds or m:ss). Throws audio::Error(usage).
std::pair<double, double> parse_range(const std::string& text);

// {"total", "repetition", "energy", "position", "crowd_penalty", "talk_penalty"}
audio::Json score_json(const ClipScore& score);
// [{"start", "end", "type", "score"}, ...]
audio::Json runners_up_json(const std::vector<ClipWindow>& windows);

}  // namespace mix
