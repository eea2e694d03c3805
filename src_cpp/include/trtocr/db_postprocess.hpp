// DB (Differentiable Binarization) post-processing: probability map -> text boxes.
#pragma once

#include <cstddef>
#include <vector>

#include "trtocr/image.hpp"

namespace trtocr {

enum class ScoreMode { Fast, Slow };
enum class BoxType { Quad, Poly };

struct DBParams {
  float thresh = 0.3f;
  float box_thresh = 0.6f;
  int max_candidates = 1000;
  float unclip_ratio = 1.5f;
  bool use_dilation = false;
  ScoreMode score_mode = ScoreMode::Fast;
  BoxType box_type = BoxType::Quad;
  int min_size = 3;  // boxes whose short side is below this (min_size + 2 after unclip) go
};

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

// Reading order as PP-OCR sorts: by top-left y then x, with boxes whose top-left y differ by
// less than y_tolerance treated as one line (ordered by x). Returns indices into quads.
std::vector<std::size_t> reading_order(const std::vector<Quad>& quads, float y_tolerance = 10.f);

}  // namespace trtocr
