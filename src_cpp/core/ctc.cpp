#include "trtocr/ctc.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "trtocr/image.hpp"

namespace trtocr {

namespace {

// First index of the largest value of row[0..c) in the sense of a scalar scan that starts at
// row[0] and takes strictly greater values: NaNs are never taken, and a NaN row[0] gives 0 (the
// blank). Finding the maximum first is a branch-free, vectorisable pass over the (large, 6k+
// classes) row; the index is then found by an early-exit scan of data already in cache.
#if defined(__GNUC__) && defined(__x86_64__) && defined(__has_attribute)
#if __has_attribute(target_clones)
// Runtime dispatch: an AVX2 build of the scan where the CPU has it, baseline SSE2 otherwise.
__attribute__((target_clones("avx2", "default")))
#endif
#endif
float row_max(const float* row, std::size_t c, std::size_t& best) {
  float m = row[0];
  best = 0;
  if (m != m) return m;  // NaN first value: nothing compares greater
#if defined(__GNUC__)
  typedef float v8 __attribute__((vector_size(32)));
  typedef int v8i __attribute__((vector_size(32)));
  constexpr std::size_t kLanes = 8, kUnroll = 4;
  if (c >= kLanes * kUnroll) {
    v8 acc[kUnroll];
    for (auto& a : acc) a = v8{} + m;
    std::size_t k = 0;
    for (; k + kLanes * kUnroll <= c; k += kLanes * kUnroll)
      for (std::size_t u = 0; u < kUnroll; ++u) {
        v8 x;
        std::memcpy(&x, row + k + u * kLanes, sizeof x);
        acc[u] = x > acc[u] ? x : acc[u];  // NaN compares false: keeps the accumulator
      }
    for (std::size_t u = 0; u < kUnroll; ++u)
      for (std::size_t l = 0; l < kLanes; ++l) m = acc[u][l] > m ? acc[u][l] : m;
    for (; k < c; ++k) m = row[k] > m ? row[k] : m;
    // Skip whole blocks that do not hold m, then finish with the scalar scan.
    const v8 mv = v8{} + m;
    std::size_t b = 0;
    for (; b + kLanes <= c; b += kLanes) {
      v8 x;
      std::memcpy(&x, row + b, sizeof x);
      const v8i eq = x == mv;
      long long words[4];
      std::memcpy(words, &eq, sizeof words);
      if (words[0] | words[1] | words[2] | words[3]) break;
    }
    best = b;
  } else
#endif
  {
    for (std::size_t k = 1; k < c; ++k) m = row[k] > m ? row[k] : m;
  }
  while (!(row[best] == m)) ++best;  // m is one of the values, and not NaN
  return row[best];                  // (not m: keeps the sign of a zero as the scalar scan would)
}

// Greedy CTC decoding of n sequences of t steps; best(i, step, p) gives a step's best class
// and sets p to its probability.
template <typename Best>
std::vector<DecodedText> greedy_decode(const std::vector<std::string>& characters, std::size_t n,
                                       std::size_t t, bool with_steps, bool settle, Best best_of) {
  std::vector<DecodedText> results(n);
  for (std::size_t i = 0; i < n; ++i) {
    DecodedText& out = results[i];
    double score_sum = 0.0;
    int kept = 0;
    std::size_t previous = 0;  // blank: a character right after a blank is always new
    for (std::size_t step = 0; step < t; ++step) {
      float best_p = 0.f;
      const std::size_t best = best_of(i, step, best_p);
      if (best != 0 && !(step > 0 && best == previous)) {
        out.text += characters[best - 1];
        score_sum += best_p;
        ++kept;
        if (with_steps) out.steps.push_back(static_cast<int>(step));
      }
      previous = best;
    }
    out.score = kept > 0 ? static_cast<float>(score_sum / kept) : 0.f;
    if (settle) settle_o_zero(out.text);  // one byte for one: steps stay aligned
  }
  return results;
}

inline bool ascii_digit(char c) { return c >= '0' && c <= '9'; }
inline bool ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

void settle_o_zero(std::string& text) {
  const std::size_t n = text.size();
  // UTF-8 multi-byte sequences never hold ASCII bytes, so a byte scan sees only real ASCII.
  for (std::size_t start = 0; start < n;) {
    if (text[start] != '0' && text[start] != 'O') {
      ++start;
      continue;
    }
    std::size_t end = start;
    while (end < n && (text[end] == '0' || text[end] == 'O')) ++end;
    bool letter = false, digit = false;
    // The neighbour on each side; a '.' or ',' followed (outwards) by a digit is a number's.
    const auto look = [&](std::size_t i, bool outward_is_left) {
      const char c = text[i];
      if (ascii_letter(c)) {
        letter = true;
      } else if (ascii_digit(c)) {
        digit = true;
      } else if (c == '.' || c == ',') {
        if (outward_is_left ? (i > 0 && ascii_digit(text[i - 1]))
                            : (i + 1 < n && ascii_digit(text[i + 1])))
          digit = true;
      }
    };
    if (start > 0) look(start - 1, true);
    if (end < n) look(end, false);
    if (letter != digit) std::fill(text.begin() + start, text.begin() + end, letter ? 'O' : '0');
    start = end;
  }
}

CTCDecoder::CTCDecoder(std::vector<std::string> characters, bool settle_o_zero)
    : characters_(std::move(characters)), settle_o_zero_(settle_o_zero) {
  require(!characters_.empty(), "CTCDecoder: the character list is empty");
}

std::vector<DecodedText> CTCDecoder::decode(const float* probs, std::size_t n, std::size_t t,
                                            std::size_t c, bool with_steps) const {
  require(c == num_classes(), "CTCDecoder: the model has " + std::to_string(c) +
                                  " classes but the character list gives " +
                                  std::to_string(num_classes()) + " (blank + characters)");
  return greedy_decode(characters_, n, t, with_steps, settle_o_zero_,
                       [&](std::size_t i, std::size_t step, float& p) {
                         std::size_t best = 0;
                         p = row_max(probs + (i * t + step) * c, c, best);
                         return best;
                       });
}

std::vector<DecodedText> CTCDecoder::decode_best(const std::int32_t* best, const float* best_prob,
                                                 std::size_t n, std::size_t t,
                                                 bool with_steps) const {
  const std::size_t classes = num_classes();
  // The message only for a bad index: built for every step, it took most of the decoding time.
  for (std::size_t k = 0; k < n * t; ++k)
    if (best[k] < 0 || static_cast<std::size_t>(best[k]) >= classes)
      require(false, "CTCDecoder: class index " + std::to_string(best[k]) +
                         " is outside the character list's " + std::to_string(classes) +
                         " classes (blank + characters)");
  return greedy_decode(characters_, n, t, with_steps, settle_o_zero_,
                       [&](std::size_t i, std::size_t step, float& p) {
                         p = best_prob[i * t + step];
                         return static_cast<std::size_t>(best[i * t + step]);
                       });
}

namespace {

void check_orientation_labels(std::size_t num_labels, int label_180) {
  require(num_labels >= 2, "decide_orientation: need at least 2 labels");
  require(label_180 >= 0 && static_cast<std::size_t>(label_180) < num_labels,
          "decide_orientation: label_180 out of range");
}

}  // namespace

std::vector<OrientationDecision> decide_orientation(const float* probs, std::size_t n,
                                                    std::size_t num_labels, int label_180,
                                                    float thresh) {
  check_orientation_labels(num_labels, label_180);
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

std::vector<OrientationDecision> decide_orientation_best(const std::int32_t* labels,
                                                         const float* scores, std::size_t n,
                                                         std::size_t num_labels, int label_180,
                                                         float thresh) {
  check_orientation_labels(num_labels, label_180);
  std::vector<OrientationDecision> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || static_cast<std::size_t>(labels[i]) >= num_labels)
      require(false, "decide_orientation: label " + std::to_string(labels[i]) + " is outside the " +
                         std::to_string(num_labels) + " labels");
    out[i].label = labels[i];
    out[i].score = scores[i];
    out[i].flip = labels[i] == label_180 && scores[i] > thresh;
  }
  return out;
}

}  // namespace trtocr
