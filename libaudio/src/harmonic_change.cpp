#include "libaudio/harmonic_change.hpp"

#include <cmath>

namespace audio {

std::vector<double> harmonic_change(const std::vector<std::array<double, 12>>& chroma,
                                    std::size_t window) {
  const std::size_t nb = chroma.size();
  std::vector<double> change(nb, 0.0);
  for (std::size_t i = window; window > 0 && i + window <= nb; ++i) {
    std::array<double, 12> before{}, after{};
    for (std::size_t j = 0; j < window; ++j)
      for (std::size_t k = 0; k < 12; ++k) {
        before[k] += chroma[i - 1 - j][k];
        after[k] += chroma[i + j][k];
      }
    double dot = 0, na = 0, nb2 = 0;
    for (std::size_t k = 0; k < 12; ++k) {
      dot += before[k] * after[k];
      na += before[k] * before[k];
      nb2 += after[k] * after[k];
    }
    change[i] = na > 0 && nb2 > 0 ? 1.0 - dot / std::sqrt(na * nb2) : 0.0;
  }
  return change;
}

}  // namespace audio
