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


class OptionError(ConfigError):
    """One option of an options class has a value it does not accept. option names it as the
    API does ("det limit_side_len"), flag as the command line does (None: it has no flag)."""

    def __init__(self, option: str, flag: str | None, value: object, requirement: str) -> None:
        super().__init__(f"{option} {requirement}, got {value!r}")
        self.option, self.flag, self.value, self.requirement = option, flag, value, requirement

    def for_command_line(self) -> str:
        """The message naming the flag and the value as typed (the option's name without a
        flag)."""
        if self.flag is None:
            return str(self)
        value = f"{self.value:g}" if isinstance(self.value, float) else str(self.value)
        return f"{self.flag} {value}: {self.requirement}"
