#include "trtocr/ctc.hpp"

#include <stdexcept>
#include <utility>

#include "trtocr/image.hpp"

namespace trtocr {

CTCDecoder::CTCDecoder(std::vector<std::string> characters) : characters_(std::move(characters)) {
  require(!characters_.empty(), "CTCDecoder: the character list is empty");
}

std::vector<DecodedText> CTCDecoder::decode(const float* probs, std::size_t n, std::size_t t,
                                            std::size_t c, bool with_steps) const {
  require(c == num_classes(), "CTCDecoder: the model has " + std::to_string(c) +
                                  " classes but the character list gives " +
                                  std::to_string(num_classes()) + " (blank + characters)");
  std::vector<DecodedText> results(n);
  for (std::size_t i = 0; i < n; ++i) {
    DecodedText& out = results[i];
    double score_sum = 0.0;
    int kept = 0;
    std::size_t previous = 0;  // blank: a character right after a blank is always new
    const float* seq = probs + i * t * c;
    for (std::size_t step = 0; step < t; ++step) {
      const float* row = seq + step * c;
      std::size_t best = 0;
      float best_p = row[0];
      for (std::size_t k = 1; k < c; ++k) {
        // A NaN never compares greater, so NaN rows fall back to the blank.
        if (row[k] > best_p) {
          best_p = row[k];
          best = k;
        }
      }
      if (best != 0 && !(step > 0 && best == previous)) {
        out.text += characters_[best - 1];
        score_sum += best_p;
        ++kept;
        if (with_steps) {
          out.steps.push_back(static_cast<int>(step));
          out.classes.push_back(static_cast<int>(best));
        }
      }
      previous = best;
    }
    out.score = kept > 0 ? static_cast<float>(score_sum / kept) : 0.f;
  }
  return results;
}

std::vector<OrientationDecision> decide_orientation(const float* probs, std::size_t n,
                                                   std::size_t num_labels, int label_180,
                                                   float thresh) {
  require(num_labels >= 2, "decide_orientation: need at least 2 labels");
  require(label_180 >= 0 && static_cast<std::size_t>(label_180) < num_labels,
          "decide_orientation: label_180 out of range");
  std::vector<OrientationDecision> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const float* row = probs + i * num_labels;
    std::size_t best = 0;
    for (std::size_t k = 1; k < num_labels; ++k)
      if (row[k] > row[best]) best = k;
    out[i].label = static_cast<int>(best);
    out[i].score = row[best];
    out[i].flip = static_cast<int>(best) == label_180 && row[best] > thresh;
  }
  return out;
}

}  // namespace trtocr
