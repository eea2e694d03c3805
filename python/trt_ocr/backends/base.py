"""The inference-backend interface the pipeline is written against.

A backend opens one network at a time as a `Session`. Sessions take and return named numpy
arrays; dynamic dimensions must stay inside the `ShapeRange`s of the pipeline's shape plan
(`trt_ocr.shapes`: TensorRT compiles optimization profiles from them, ONNX Runtime ignores
them). Output arrays may be views of buffers the session reuses: they are valid until the
session's next `run`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

from trt_ocr.shapes import ShapeRange


def physical_cores() -> int:
    """Physical cores of this machine (hyper-threads make ORT slower, not faster)."""
    import os

    try:
        seen = set()
        phys = core = None
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:  # noqa: PTH123
            for line in f:
                if line.startswith("physical id"):
                    phys = line.split(":")[1].strip()
                elif line.startswith("core id"):
                    core = line.split(":")[1].strip()
                elif not line.strip() and core is not None:
                    seen.add((phys, core))
                    phys = core = None
        if core is not None:
            seen.add((phys, core))
        affinity = len(os.sched_getaffinity(0))
        if seen:
            return max(1, min(len(seen), affinity))
        return max(1, affinity)
    except (OSError, AttributeError):
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class TensorSpec:
    name: str
    shape: tuple[int | str | None, ...]  # int: fixed, str/None: dynamic
    dtype: np.dtype


class Session(ABC):
    """One loaded network. Not safe to `run` from several threads at once."""

    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    #: The input shapes the session runs, one range per optimization profile, where only
    #: those run (an engine: the profiles it was built with, whoever built it); None where
    #: any shape runs.
    profiles: tuple[ShapeRange, ...] | None = None

    @abstractmethod
    def run(self, feeds: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Runs the network; returns every output by name (valid until the next run)."""

    def run_each(self, inputs: Sequence[np.ndarray]) -> list[dict[str, np.ndarray]]:
        """Runs the network on each array (its one input) in turn, back to back; returns each
        run's outputs by name as arrays the caller keeps. A session overrides it where it can
        run them with less of the interpreter between runs (see OrtSession)."""
        name = self.input_name
        return [{k: np.array(v) for k, v in self.run({name: x}).items()} for x in inputs]

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
    def open(self, model: Path, role: str, profiles: Sequence[ShapeRange] | None = None) -> Session:
        """Loads model for role ("det", "cls" or "rec"). profiles: the shape ranges of the
        network's image input from the shape plan, one per TensorRT optimization profile (a
        prebuilt engine keeps its own: the session's `profiles`)."""

    def describe(self) -> str:
        return self.name
