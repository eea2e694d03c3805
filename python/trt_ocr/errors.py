"""The exception hierarchy: every error trt-ocr raises on purpose is a TrtOcrError."""

from __future__ import annotations


class TrtOcrError(Exception):
    """Base class of trt-ocr's own errors."""


class ModelError(TrtOcrError):
    """A model set is unknown, missing, corrupt or inconsistent."""


class UnknownModelError(ModelError, ValueError):
    """A model set name that the store does not know."""


class ModelDownloadError(ModelError):
    """Fetching a model package failed (network, hash mismatch, disk)."""


class ImageLoadError(TrtOcrError, ValueError):
    """An input image could not be read (unreadable, truncated, empty, unsupported type)."""


class BackendError(TrtOcrError):
    """An inference backend is unavailable or failed."""


class EngineBuildError(TrtOcrError):
    """Converting, quantizing or building an engine failed."""


class OutputPathError(TrtOcrError, ValueError):
    """An output path would overwrite an input or a file trt-ocr did not write, or cannot be
    written."""


class InputError(TrtOcrError, ValueError):
    """An argument is the wrong kind or does not fit the call (e.g. a single image where a
    sequence of images is expected, or a picture of another size than the result's)."""


class ConfigError(TrtOcrError, ValueError):
    """A setting (an option or an environment variable) has an invalid value."""
