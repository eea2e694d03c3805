"""The inference-backend interface the pipeline is written against.

A backend opens one network at a time as a `Session`. Sessions take and return named numpy
arrays; dynamic dimensions must stay inside the `ShapeRange`s the pipeline declares (TensorRT
compiles optimization profiles from them; ONNX Runtime only checks them). Output arrays may be
views of buffers the session reuses: they are valid until the session's next `run`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: tuple[int | str | None, ...]  # int: fixed, str/None: dynamic
    dtype: np.dtype


@dataclass(frozen=True)
class ShapeRange:
    """min/opt/max shape of one input, as a TensorRT optimization profile needs it."""

    min: tuple[int, ...]
    opt: tuple[int, ...]
    max: tuple[int, ...]

    def contains(self, shape: Sequence[int]) -> bool:
        return len(shape) == len(self.min) and all(
            lo <= s <= hi for s, lo, hi in zip(shape, self.min, self.max, strict=True)
        )


class Session(ABC):
    """One loaded network. Not safe to `run` from several threads at once."""

    inputs: list[TensorSpec]
    outputs: list[TensorSpec]

    @abstractmethod
    def run(self, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Runs the network; returns every output by name (valid until the next run)."""

    def close(self) -> None:  # noqa: B027 - optional for backends with nothing to free
        """Frees device memory and other resources held by the session."""

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def input_name(self) -> str:
        return self.inputs[0].name

    @property
    def output_name(self) -> str:
        return self.outputs[0].name


class Backend(ABC):
    """A way of running ONNX-derived networks (ONNX Runtime, TensorRT, ...)."""

    name: str

    @abstractmethod
    def open(
        self, model: Path, role: str, shapes: Mapping[str, Sequence[ShapeRange]] | None = None
    ) -> Session:
        """Loads model for role ("det", "cls" or "rec"). shapes: per input name, the shape
        ranges the pipeline will use (one per TensorRT optimization profile)."""

    def describe(self) -> str:
        return self.name
