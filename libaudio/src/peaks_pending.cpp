// Placeholder for the PeaksWriter implementation, which is written on another branch: lets
// wf-mixstems build and run (without --peaks) until it is merged. Removed by that merge.
#include <CLI/CLI.hpp>

#include "libaudio/error.hpp"
#include "libaudio/peaks.hpp"

namespace audio {

namespace {
[[noreturn]] void pending() {
  throw Error(Exit::software, "peaks", "waveform data is not available in this build");
}
}  // namespace

void add_peaks_options(CLI::App&, PeaksRequest&, const std::string&) {}
void resolve_peaks_format(PeaksRequest&, const std::string&) {
  pending();
}

struct PeaksWriter::Impl {};
PeaksWriter::PeaksWriter(const PeaksRequest&, int, int, std::int64_t) {
  pending();
}
PeaksWriter::~PeaksWriter() = default;
void PeaksWriter::add(const float*, std::size_t) {}
WaveformData PeaksWriter::result() const {
  pending();
}
void PeaksWriter::write(const std::string&) const {
  pending();
}

}  // namespace audio
