// CTC greedy decoding and the orientation classifier's decision.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace trtocr {

struct DecodedText {
  std::string text;        // UTF-8
  float score = 0.f;       // mean max-probability of the kept steps (0 when none)
  std::vector<int> steps;  // time step of each kept character (when asked for)
};

// Settles each run of '0' and 'O' in UTF-8 text by its neighbours, in place: a run next to a
// Latin letter and to no digit becomes 'O's ("N0RTH" -> "NORTH", "0f" -> "Of"), one next to a
// digit and to no letter becomes '0's ("G2O" -> "G20"); a digit across a '.' or ',' counts as
// a digit ("RM0.02" stays). Anything else (mixed, alone, beside other scripts) is left as read.
// PP-OCR's recognizers read O and 0 alike and pick one with little regard to the word.
void settle_o_zero(std::string& text);

// Owns the class -> string table. Class 0 is the CTC blank.
class CTCDecoder {
 public:
  // characters[i] is the text of class i + 1 (the blank is implicit). settle_o_zero: apply
  // settle_o_zero() to every decoded line.
  explicit CTCDecoder(std::vector<std::string> characters, bool settle_o_zero = false);

  std::size_t num_classes() const { return characters_.size() + 1; }

  // probs: n x t x c float32 row-major, c == num_classes().
  std::vector<DecodedText> decode(const float* probs, std::size_t n, std::size_t t, std::size_t c,
                                  bool with_steps) const;

  // The same decoding from each time step's best class and its probability (n x t each, as a
  // network that ends in ArgMax + ReduceMax over the classes gives them): identical results to
  // decode() on the probabilities those came from. Throws for an index outside the classes.
  std::vector<DecodedText> decode_best(const std::int32_t* best, const float* best_prob,
                                       std::size_t n, std::size_t t, bool with_steps) const;

 private:
  std::vector<std::string> characters_;
  bool settle_o_zero_ = false;
};

struct OrientationDecision {
  int label = 0;  // argmax class index
  float score = 0.f;
  bool flip = false;  // label is the 180-degree class and score > thresh
};

// probs: n x num_labels; label_180 names the class meaning "upside down".
std::vector<OrientationDecision> decide_orientation(const float* probs, std::size_t n,
                                                    std::size_t num_labels, int label_180,
                                                    float thresh);

// The same decision from each row's best label and its score (a classifier that ends in
// ArgMax + ReduceMax). Throws for a label outside [0, num_labels).
std::vector<OrientationDecision> decide_orientation_best(const std::int32_t* labels,
                                                         const float* scores, std::size_t n,
                                                         std::size_t num_labels, int label_180,
                                                         float thresh);

}  // namespace trtocr
