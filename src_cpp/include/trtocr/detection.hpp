// The detection stage around the network: one call turns a source image into the detector's
// input, one call turns the detector's probability map into boxes in reading order.
//
// Three images are involved. The source image is what the caller loaded. The work image is the
// source after the optional whole-image rescale (RapidOCR's max/min side limits); it is the one
// the classifier and recognizer crops are read from, so the work image's coordinates are the
// crops' coordinates. The detector image is the work image with the optional letterbox rows
// (black, above and below), resized and normalised into the network input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "trtocr/db_postprocess.hpp"
#include "trtocr/det_preprocess.hpp"
#include "trtocr/image.hpp"
#include "trtocr/thread_pool.hpp"

namespace trtocr {

// Whole-image rescale (0 switches each limit off): an image whose long side exceeds
// max_side_len, else one whose short side is below min_side_len, is scaled to meet the limit,
// each side rounded to a multiple of 32 (half to even, at least 32).
struct RescaleParams {
  int max_side_len = 0;
  int min_side_len = 0;
};

// Letterbox before detection (RapidOCR): an image with height <= min_height or
// width / height > max_aspect gets black rows above and below, for a height of about
// 2 * max(width / max_aspect, min_height). min_height 0 / max_aspect <= 0 switch each test off.
struct LetterboxParams {
  int min_height = 0;
  double max_aspect = -1.0;
};

struct DetInputParams {
  RescaleParams rescale;
  LetterboxParams letterbox;
  DetResizeParams resize;
  Normalization norm{{0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
};

// Throws std::invalid_argument for a non-positive limit_side_len or a zero/non-finite std.
void validate(const DetInputParams& params);

// Source image <-> work image.
struct ImageScale {
  int src_h = 0, src_w = 0;
  int work_h = 0, work_w = 0;
  bool rescaled = false;  // the work image is a resized copy (else it is the source itself)
  // Work-image points to source pixels: p * (src / work) in float32, clipped to [0, src size].
  // Identity when not rescaled.
  Point to_source(Point p) const;
};

// Every size on the way from the source image to the network input, and back.
struct DetMapping {
  ImageScale scale;
  int pad = 0;                   // letterbox rows above (and below) the work image
  int det_h = 0, det_w = 0;      // detector image: work_h + 2 * pad x work_w
  int input_h = 0, input_w = 0;  // network input (DetResizeForTest of the detector image)
};

// Sizes only (no pixels): lets the caller size the input tensor (3 * input_h * input_w floats)
// and the work image (work_h * work_w * 3 bytes, only when scale.rescaled). Throws
// std::invalid_argument for bad sizes or parameters and for inputs beyond kMaxDetSide /
// kMaxDetPixels.
ImageScale plan_rescale(int src_h, int src_w, const RescaleParams& params);
DetMapping plan_detection(int src_h, int src_w, const DetInputParams& params);

// The work image: the source resized to scale's work size with OpenCV's uint8 INTER_LINEAR
// (bit-exact), 3 channels, packed rows, written to work (scale.work_h * work_w * 3 bytes).
// Where scale shrinks the source, src may instead be a reduced decode of it (e.g. a JPEG's DCT
// scaling): any size from the work size up to the source's; boxes still map to the source.
// Throws std::invalid_argument for a work size plan_rescale would not give (empty or beyond
// kMaxDetSide / kMaxDetPixels).
// pool (nullable) splits the rows across its threads here and in prepare_detection.
void rescale_image(const ImageView& src, const ImageScale& scale, std::uint8_t* work,
                   ThreadPool* pool = nullptr);

// Rescale (into work, when mapping.scale.rescaled; work may be null otherwise), letterbox,
// DetResizeForTest and normalisation of a 3-channel source image, writing the network input
// as CHW float32 into tensor (3 * input_h * input_w floats). mapping must be
// plan_detection(source height, source width, params): any other throws std::invalid_argument.
// src is the source, or a reduced decode of it as rescale_image accepts.
void prepare_detection(const ImageView& src, const DetInputParams& params,
                       const DetMapping& mapping, float* tensor, std::uint8_t* work,
                       ThreadPool* pool = nullptr);

// The same with the resized uint8 pixels as the tensor (3 * input_h * input_w bytes, CHW), for
// a detector that normalises its input itself (params.norm is then the network's business).
void prepare_detection(const ImageView& src, const DetInputParams& params,
                       const DetMapping& mapping, std::uint8_t* tensor, std::uint8_t* work,
                       ThreadPool* pool = nullptr);

struct DetectedText {
  Quad quad;               // in work-image pixels: what the crops read (a poly's min-area quad)
  std::vector<Point> box;  // in source pixels: the 4 corners (Quad) or the outline (Poly)
  float score = 0.f;
};

// DB post-processing of the detector's map_h x map_w probability map for the image mapping
// describes, with the letterbox removed (boxes shifted up by pad and clipped to the work image),
// poly outlines given their minimum-area quad, everything in PP-OCR's reading order
// (reading_order on the quads) and the output boxes mapped to the source image. Throws
// std::invalid_argument for an inconsistent mapping (non-positive sizes, a work size other than
// the source's without rescale, det sizes other than the work image plus the letterbox).
std::vector<DetectedText> finish_detection(const float* prob, int map_h, int map_w,
                                           const DetMapping& mapping, const DBParams& params);

// The same from an IEEE binary16 map (a graph-I/O detector returns float16: half the bytes to
// move), read widened exactly to float32, so the results equal the float32 call's on the
// widened map.
std::vector<DetectedText> finish_detection(const std::uint16_t* prob_half, int map_h, int map_w,
                                           const DetMapping& mapping, const DBParams& params);

}  // namespace trtocr
