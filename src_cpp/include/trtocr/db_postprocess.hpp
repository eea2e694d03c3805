// DB (Differentiable Binarization) post-processing: probability map -> text boxes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "trtocr/image.hpp"

namespace trtocr {

enum class ScoreMode { Fast, Slow };
enum class BoxType { Quad, Poly };

// The option spellings ("fast"/"slow", "quad"/"poly"); anything else throws
// std::invalid_argument naming the accepted values.
ScoreMode score_mode_from(std::string_view name);
BoxType box_type_from(std::string_view name);

struct DBParams {
  float thresh = 0.3f;
  float box_thresh = 0.6f;
  int max_candidates = 1000;
  float unclip_ratio = 1.5f;
  bool use_dilation = false;
  ScoreMode score_mode = ScoreMode::Fast;
  BoxType box_type = BoxType::Quad;
  // Boxes whose short side is below min_size before unclipping (min_size + 2 after it) are
  // dropped.
  int min_size = 3;
};

// Throws std::invalid_argument naming the first parameter out of its range (thresh [0, 1),
// box_thresh [0, 1], max_candidates >= 0, unclip_ratio (0, 100], min_size [0, 1e6]).
void validate(const DBParams& params);

struct TextRegion {
  std::vector<Point> points;  // 4 corners clockwise from top-left (Quad) or a polygon (Poly)
  float score = 0.f;
};

// prob: map_h x map_w float32 row-major (the detector's output for one image).
// Returns what PP-OCR's TextDetector returns (before sorting): boxes in the coordinates of the
// src_h x src_w original image, clipped to [0, w-1] x [0, h-1]; quads too small after that are
// dropped. Poly outlines are PP-OCR's region to within a fraction of a map pixel, not its exact
// vertices. Throws std::invalid_argument on bad sizes/parameters and on a map holding NaN or
// inf (a broken model output should fail loudly, not yield boxes). Thread-safe: no shared state.
std::vector<TextRegion> db_postprocess(const float* prob, int map_h, int map_w, int src_h,
                                       int src_w, const DBParams& params);

// The same from an IEEE binary16 map, read widened exactly to float32 (the results equal the
// float32 call's on the widened map).
std::vector<TextRegion> db_postprocess(const std::uint16_t* prob_half, int map_h, int map_w,
                                       int src_h, int src_w, const DBParams& params);

// Reading order as PP-OCR sorts: by top-left y then x, with boxes whose top-left y differ by
// less than y_tolerance treated as one line (ordered by x). Returns indices into quads.
std::vector<std::size_t> reading_order(const std::vector<Quad>& quads, float y_tolerance = 10.f);

}  // namespace trtocr
