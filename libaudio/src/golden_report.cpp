#include "libaudio/golden_report.hpp"

#include <cmath>
#include <cstdio>
#include <ostream>

#include "libaudio/version.hpp"

namespace audio {
namespace {

std::string g(double v, const char* fmt = "%.3g") {
  char buf[48];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// JSON cannot hold infinities; the report writes them as the strings "inf" and "-inf".
Json snr_json(double snr_db) {
  if (std::isinf(snr_db)) return snr_text(snr_db);
  return round_to(snr_db, 3);
}

Json pair(const Json& expected, const Json& actual) {
  return Json{{"expected", expected}, {"actual", actual}};
}

Json json_details(const JsonComparison& c) {
  Json j;
  j["differences"] = c.differences;
  j["numbers_within_tolerance"] = c.numbers_within;
  j["max_within_diff"] = c.max_within_diff;
  j["max_within_path"] = c.numbers_within ? Json(c.max_within_path) : Json(nullptr);
  j["ignored"] = c.ignored;
  j["details"] = Json::array();
  for (const JsonDifference& d : c.details) {
    Json x;
    x["kind"] = to_string(d.kind);
    x["line"] = d.line > 0 ? Json(d.line) : Json(nullptr);
    x["path"] = d.path;
    x["expected"] = d.expected;
    x["actual"] = d.actual;
    x["diff"] = std::isnan(d.diff) ? Json(nullptr) : Json(d.diff);
    x["tolerance"] = std::isnan(d.tolerance) ? Json(nullptr) : Json(d.tolerance);
    j["details"].push_back(std::move(x));
  }
  return j;
}

Json audio_details(const AudioComparison& a) {
  Json j;
  j["codec"] = pair(a.expected_codec, a.actual_codec);
  j["sample_rate"] = pair(a.expected_rate, a.actual_rate);
  j["channels"] = pair(a.expected_channels, a.actual_channels);
  j["compared"] = a.compared;
  if (a.compared) {
    j["frames"] = pair(a.expected_frames, a.actual_frames);
    j["snr_db"] = snr_json(a.snr_db);
    j["mse"] = a.mse;
    j["max_abs_diff"] = a.max_abs_diff;
  }
  j["regressions"] = a.regressions;
  return j;
}

Json media_details(const MediaComparison& m, bool packets) {
  Json j;
  j["container"] = pair(m.expected.container, m.actual.container);
  j["packets_compared"] = packets;
  j["streams"] = Json::array();
  const std::size_t n = std::max(m.expected.streams.size(), m.actual.streams.size());
  for (std::size_t i = 0; i < n; ++i) {
    const StreamLayout* e = i < m.expected.streams.size() ? &m.expected.streams[i] : nullptr;
    const StreamLayout* a = i < m.actual.streams.size() ? &m.actual.streams[i] : nullptr;
    Json s;
    s["index"] = i;
    s["layout"] =
        pair(e ? Json(e->describe()) : Json(nullptr), a ? Json(a->describe()) : Json(nullptr));
    s["packets"] =
        pair(e ? Json(e->data.size()) : Json(nullptr), a ? Json(a->data.size()) : Json(nullptr));
    s["duration"] = pair(e ? Json(round_to(e->duration, 6)) : Json(nullptr),
                         a ? Json(round_to(a->duration, 6)) : Json(nullptr));
    j["streams"].push_back(std::move(s));
  }
  j["regressions"] = m.regressions;
  return j;
}

Json bytes_details(const BytesComparison& b) {
  Json j;
  j["size"] = pair(b.expected_size, b.actual_size);
  j["sha256"] = pair(b.expected_sha256, b.actual_sha256);
  j["first_difference"] = b.first_difference ? Json(*b.first_difference) : Json(nullptr);
  return j;
}

}  // namespace

const char* to_string(FileKind kind) {
  switch (kind) {
    case FileKind::json:
      return "json";
    case FileKind::json_lines:
      return "json_lines";
    case FileKind::audio:
      return "audio";
    case FileKind::media:
      return "media";
    case FileKind::bytes:
      return "bytes";
  }
  return "bytes";
}

const char* to_string(FileStatus status) {
  switch (status) {
    case FileStatus::same:
      return "same";
    case FileStatus::within_tolerance:
      return "within_tolerance";
    case FileStatus::regression:
      return "regression";
    case FileStatus::error:
      return "error";
    case FileStatus::ignored:
      return "ignored";
  }
  return "error";
}

std::string FileResult::headline() const {
  switch (status) {
    case FileStatus::same:
      return "same";
    case FileStatus::ignored:
      return "ignored (tolerances file)";
    case FileStatus::error:
      return "ERROR";
    case FileStatus::regression:
      return "REGRESSION";
    case FileStatus::within_tolerance:
      break;
  }
  std::string why;
  if (audio) {
    why = "SNR " + snr_text(audio->snr_db) + " dB, MSE " + g(audio->mse);
    if (audio->actual_frames != audio->expected_frames) {
      why +=
          ", length " + std::to_string(audio->actual_frames - audio->expected_frames) + " frames";
    }
  } else if (media) {
    why = "layout only: packets not compared";
  } else if (json) {
    if (json->numbers_within) {
      why = plural(json->numbers_within, "number", "numbers") +
            " within tolerance, largest |diff| " + g(json->max_within_diff) + " at ";
      if (json->max_within_line) why += "line " + std::to_string(json->max_within_line) + " ";
      why += json->max_within_path.empty() ? "(root)" : json->max_within_path;
    }
    if (json->ignored) {
      if (!why.empty()) why += ", ";
      why += plural(json->ignored, "value", "values") + " ignored";
    }
  }
  return why.empty() ? "within tolerance" : "within tolerance (" + why + ")";
}

std::vector<std::string> FileResult::details(std::size_t& more) const {
  more = 0;
  std::vector<std::string> lines;
  if (status == FileStatus::error) {
    lines.push_back(error);
    return lines;
  }
  if (status != FileStatus::regression) return lines;
  if (presence == "missing") lines.push_back("missing: in EXPECTED but not in ACTUAL");
  if (presence == "extra") lines.push_back("extra: in ACTUAL but not in EXPECTED");
  if (json) {
    for (const JsonDifference& d : json->details) lines.push_back(d.describe());
    more = json->differences - json->details.size();
  }
  if (audio) {
    lines.insert(lines.end(), audio->regressions.begin(), audio->regressions.end());
    if (audio->compared) {
      lines.push_back("SNR " + snr_text(audio->snr_db) + " dB, MSE " + g(audio->mse) +
                      ", max |diff| " + g(audio->max_abs_diff));
    }
  }
  if (media) lines.insert(lines.end(), media->regressions.begin(), media->regressions.end());
  if (kind == FileKind::bytes && bytes && bytes->first_difference) {
    lines.push_back("contents differ at byte " + std::to_string(*bytes->first_difference) +
                    " (expected " + std::to_string(bytes->expected_size) + " bytes, actual " +
                    std::to_string(bytes->actual_size) + " bytes)");
    lines.push_back("sha256: expected " + bytes->expected_sha256 + ", actual " +
                    bytes->actual_sha256);
  }
  return lines;
}

ReportCounts GoldenReport::counts() const {
  ReportCounts c;
  c.files = files.size();
  for (const FileResult& f : files) {
    switch (f.status) {
      case FileStatus::same:
        ++c.same;
        break;
      case FileStatus::within_tolerance:
        ++c.within_tolerance;
        break;
      case FileStatus::regression:
        ++c.regression;
        break;
      case FileStatus::error:
        ++c.error;
        break;
      case FileStatus::ignored:
        ++c.ignored;
        break;
    }
  }
  return c;
}

Exit GoldenReport::exit_code() const {
  bool regressed = false;
  for (const FileResult& f : files) {
    if (f.status == FileStatus::error) return f.error_code;
    if (f.status == FileStatus::regression) regressed = true;
  }
  return regressed ? Exit::negative : Exit::ok;
}

void write_text_report(std::ostream& out, const GoldenReport& report, std::size_t max_details,
                       bool problems_only) {
  for (const FileResult& f : report.files) {
    const bool problem = f.status == FileStatus::regression || f.status == FileStatus::error;
    if (problems_only && !problem) continue;
    out << f.name << ": " << f.headline() << '\n';
    std::size_t more = 0;
    const std::vector<std::string> lines = f.details(more);
    const std::size_t shown = std::min(lines.size(), max_details);
    for (std::size_t i = 0; i < shown; ++i) out << "  " << lines[i] << '\n';
    more += lines.size() - shown;
    if (more) out << "  ... and " << more << " more\n";
  }
  if (problems_only) return;
  const ReportCounts c = report.counts();
  out << plural(c.files, "file", "files") << ": " << c.same << " same, " << c.within_tolerance
      << " within tolerance, " << c.regression << " regressed, "
      << plural(c.error, "error", "errors");
  if (c.ignored) out << ", " << c.ignored << " ignored";
  out << '\n';
}

Json json_report(const GoldenReport& report) {
  Json j;
  j["schema"] = "golden.diff/1";
  j["toolkit_version"] = kToolkitVersion;
  j["expected"] = report.expected;
  j["actual"] = report.actual;
  j["mode"] = report.directory ? "directory" : "file";
  j["options"] = report.options;
  const Exit code = report.exit_code();
  j["result"] = code == Exit::ok ? "pass" : code == Exit::negative ? "regression" : "error";
  j["exit_status"] = static_cast<int>(code);
  const ReportCounts c = report.counts();
  j["counts"] = {
      {"files", c.files},           {"same", c.same},   {"within_tolerance", c.within_tolerance},
      {"regression", c.regression}, {"error", c.error}, {"ignored", c.ignored}};
  j["files"] = Json::array();
  for (const FileResult& f : report.files) {
    Json x;
    x["path"] = f.name;
    x["kind"] = f.kind ? Json(to_string(*f.kind)) : Json(nullptr);
    x["status"] = to_string(f.status);
    if (!f.presence.empty()) x["presence"] = f.presence;
    if (f.status == FileStatus::error) {
      x["error"] = {{"exit_status", static_cast<int>(f.error_code)}, {"message", f.error}};
    }
    if (f.json) x["json"] = json_details(*f.json);
    if (f.audio) x["audio"] = audio_details(*f.audio);
    if (f.media) x["media"] = media_details(*f.media, f.media_packets);
    if (f.bytes) x["bytes"] = bytes_details(*f.bytes);
    j["files"].push_back(std::move(x));
  }
  return j;
}

}  // namespace audio
