"""OCR of large image collections on Ray Data (`pip install trt-ocr[ray]`).

>>> import ray, trt_ocr.ray
>>> ds = trt_ocr.ray.read_image_files("s3://bucket/scans/")   # columns: bytes, path
>>> ds = trt_ocr.ray.map_ocr(ds, concurrency=4)               # one OCR per actor
>>> ds.write_parquet("s3://bucket/ocr/")

or in one call: `trt_ocr.ray.ocr_images("s3://bucket/scans/", "s3://bucket/ocr/")`.

Images are read as bytes (`ray.data.read_binary_files`) and decoded by the actors with
`trt_ocr.io.load_image`, not by `ray.data.read_images`: so the EXIF orientation is applied and an
unreadable file becomes a row with an error (read_images would fail the job), and every result is
the one a serial `OCR.batch` gives.

Every output row has the columns of `schema()`: the image's path, one entry per text line in `text`,
`boxes` and `scores`, and `error` (null, or why the image could not be read: such a row has no
lines). Ray is imported only inside the functions below, so `import trt_ocr` never needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from trt_ocr.errors import ConfigError, ImageLoadError
from trt_ocr.io import IMAGE_SUFFIXES, describe_input, files_under, load_image

if TYPE_CHECKING:
    import pyarrow as pa
    import ray.data

    from trt_ocr.pipeline import OCR
    from trt_ocr.result import OCRResult

# Input columns: the image's bytes, or its path (read by the actor when there are no bytes).
BYTES_COLUMN = "bytes"
PATH_COLUMN = "path"
# Images per map_batches call: OCR of one image takes tens to hundreds of milliseconds, so small
# batches keep the actors evenly loaded at no measurable overhead.
DEFAULT_BATCH_SIZE = 8
OUTPUT_FORMATS = ("jsonl", "parquet")


def schema() -> pa.Schema:
    """The output columns (one row per image). Fixed, so that a batch holding only failed
    images has the same column types as the others."""
    import pyarrow as pa

    return pa.schema(
        [
            pa.field(PATH_COLUMN, pa.string()),
            pa.field("text", pa.list_(pa.string())),
            # One [K, 2] outline per line, in source pixels (K = 4 for quads), as TextLine.box.
            pa.field("boxes", pa.list_(pa.list_(pa.list_(pa.float32())))),
            pa.field("scores", pa.list_(pa.float32())),  # the recognizer's float32 scores
            pa.field("error", pa.string()),
        ]
    )


def result_row(result: OCRResult) -> dict[str, Any]:
    """The output row of one OCR result (of OCRPredictor, or of a serial OCR.batch)."""
    return {
        PATH_COLUMN: result.source,
        "text": [line.text for line in result.lines],
        "boxes": [line.box.tolist() for line in result.lines],
        "scores": [float(line.score) for line in result.lines],
        "error": None if result.error is None else str(result.error),
    }


def _column_names(batch: Any) -> list[str]:
    return list(batch.column_names if hasattr(batch, "column_names") else batch.keys())


def _column(batch: Any, name: str) -> list[Any] | None:
    """A column of a batch in any of Ray's batch formats (pyarrow, pandas, numpy dict)."""
    if name not in _column_names(batch):
        return None
    col = batch[name]
    if hasattr(col, "to_pylist"):  # pyarrow
        return list(col.to_pylist())
    return list(col.tolist() if hasattr(col, "tolist") else col)


def _threads_of_this_worker() -> int | None:
    """The CPUs Ray assigned to this actor: its ONNX Runtime uses that many threads, not every
    core of the node (actors share nodes)."""
    import ray

    if not ray.is_initialized():  # outside Ray: the OCR's own default
        return None
    context: Any = ray.get_runtime_context()  # its accessors are untyped
    cpus = context.get_assigned_resources().get("CPU")
    return max(1, int(cpus)) if cpus else None


class OCRPredictor:
    """The callable class for `Dataset.map_batches`: each actor builds one OCR (models load
    once per actor) and OCRs the batches it gets.

    Input: a `bytes` column (with a `path` column naming the images, as read_binary_files(...,
    include_paths=True) gives), or a `path` column alone (the actor reads the files: they must
    be visible on every node). Output: a pyarrow table with the columns of `schema()`. An image
    that cannot be read gives a row with `error` set; it never fails the job.

    ocr_kwargs go to `trt_ocr.OCR` (model, backend, det, cls, rec, threads, ...). The backend
    defaults to "auto": TensorRT on a worker with a GPU and TensorRT installed (give the actors
    num_gpus), ONNX Runtime otherwise. threads defaults to the CPUs Ray assigned to the actor.
    """

    def __init__(self, **ocr_kwargs: Any) -> None:
        from trt_ocr.pipeline import OCR

        if ocr_kwargs.get("threads") is None:
            ocr_kwargs["threads"] = _threads_of_this_worker()
        self.ocr: OCR = OCR(**ocr_kwargs)

    def __call__(self, batch: Any) -> pa.Table:
        import pyarrow as pa

        data = _column(batch, BYTES_COLUMN)
        paths = _column(batch, PATH_COLUMN)
        if data is None and paths is None:
            raise ConfigError(
                f"OCRPredictor needs a {BYTES_COLUMN!r} or a {PATH_COLUMN!r} column; "
                f"the batch has {sorted(_column_names(batch))}"
            )
        n = len(data if data is not None else paths)  # type: ignore[arg-type]
        rows = [
            self._ocr_one(
                data[i] if data is not None else None,
                paths[i] if paths is not None else None,
            )
            for i in range(n)
        ]
        return pa.Table.from_pylist(rows, schema=schema())

    def _ocr_one(self, data: bytes | None, path: str | None) -> dict[str, Any]:
        from trt_ocr.result import OCRResult

        try:
            # Decoded here (EXIF applied), then OCR'd exactly as OCR.batch would.
            image = load_image(data if data is not None else path)  # type: ignore[arg-type]
            result = self.ocr(image)
        except ImageLoadError as e:
            message = str(e)
            if data is not None and path is not None:
                # load_image names bytes by their length: name the file instead, as a serial
                # run over the paths does.
                anonymous = describe_input(data)
                if message.startswith(anonymous):
                    message = path + message[len(anonymous) :]
            result = OCRResult.failed(path, ImageLoadError(message))
        result.source = path if path is not None else result.source
        return result_row(result)


def read_image_files(
    source: str | Sequence[str], *, suffixes: frozenset[str] = IMAGE_SUFFIXES, **read_args: Any
) -> ray.data.Dataset:
    """A dataset with `bytes` and `path` columns of the image files under source (a folder, a
    bucket URI such as s3://bucket/prefix/, a file or a list of them), chosen by suffix.
    read_args go to ray.data.read_binary_files (e.g. filesystem, override_num_blocks).

    The read tasks reserve no CPU by default: they only fetch bytes (the actors decode), and
    OCR actors holding every CPU of the cluster would otherwise leave no room to read at all."""
    import ray.data

    read_args.setdefault("num_cpus", 0)
    sources = [source] if isinstance(source, str) else list(source)
    # Local folders are listed here: Ray's own listing skips names starting with "_" or ".",
    # files a serial run over the folder would read (files named explicitly are kept).
    listed: list[str] = []
    for item in sources:
        local = item.removeprefix("file://")
        if "://" not in local and Path(local).is_dir():
            listed += [
                str(p) for p in files_under(local) if p.suffix.lower() in suffixes and p.is_file()
            ]
        else:
            listed.append(item)
    if not listed:
        raise ImageLoadError(f"no image files in {', '.join(map(str, sources))}")
    return ray.data.read_binary_files(
        listed,
        include_paths=True,
        file_extensions=sorted(s.lstrip(".") for s in suffixes),
        **read_args,
    )


def map_ocr(
    ds: ray.data.Dataset,
    *,
    concurrency: int | tuple[int, int] | None = None,
    num_gpus: float | None = None,
    num_cpus: float | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    **ocr_kwargs: Any,
) -> ray.data.Dataset:
    """ds with the OCR result of each row (see OCRPredictor for the columns).

    concurrency: the number of actors, each holding one OCR, or a (min, max) autoscaling pool
    (None: Ray's default, a pool that grows with the free resources); num_gpus / num_cpus: what
    each actor reserves (num_gpus=1 for TensorRT on GPU workers; Ray's default is one CPU).
    ocr_kwargs go to trt_ocr.OCR."""
    import ray.data

    remote: dict[str, Any] = {}
    if concurrency is not None:
        remote["compute"] = (
            ray.data.ActorPoolStrategy(size=concurrency)
            if isinstance(concurrency, int)
            else ray.data.ActorPoolStrategy(min_size=concurrency[0], max_size=concurrency[1])
        )
    if num_gpus is not None:
        remote["num_gpus"] = num_gpus
    if num_cpus is not None:
        remote["num_cpus"] = num_cpus
    return ds.map_batches(
        OCRPredictor,
        fn_constructor_kwargs=ocr_kwargs,
        batch_size=batch_size,
        batch_format="pyarrow",
        **remote,
    )


def output_format(output: str, format: str | None) -> str:
    """The output format: format when given, else from output's suffix (.parquet or .jsonl);
    JSON Lines by default."""
    if format is None:
        format = "parquet" if output.rstrip("/").endswith(".parquet") else "jsonl"
    if format not in OUTPUT_FORMATS:
        raise ConfigError(f"format must be one of {', '.join(OUTPUT_FORMATS)}; got {format!r}")
    return format


def ocr_images(
    source: str | Sequence[str],
    output: str,
    *,
    format: str | None = None,
    concurrency: int | tuple[int, int] | None = None,
    num_gpus: float | None = None,
    num_cpus: float | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    mode: str = "error",
    **ocr_kwargs: Any,
) -> None:
    """Reads the images under source (folder, bucket, files), OCRs them on the Ray cluster
    this process is connected to (ray.init() first; a local one is started otherwise) and
    writes one row per image into the folder or bucket prefix output, as JSON Lines or
    Parquet files written by the workers (format "jsonl" or "parquet"; None: from output's
    suffix, else JSON Lines). On a cluster, output must be a bucket or a shared folder.

    mode: what to do when output exists: "error" (default: refuse, so nothing is overwritten
    or mixed with other files), "overwrite" (delete it first) or "append" (Ray Data's modes)."""
    import ray.data

    fmt = output_format(output, format)
    save_mode = ray.data.SaveMode(mode)
    ds = map_ocr(
        read_image_files(source),
        concurrency=concurrency,
        num_gpus=num_gpus,
        num_cpus=num_cpus,
        batch_size=batch_size,
        **ocr_kwargs,
    )
    if fmt == "parquet":
        ds.write_parquet(output, mode=save_mode)
    else:
        # pandas writes 10 decimals unless told: 15 (its most) keeps every float32 exact.
        ds.write_json(output, mode=save_mode, double_precision=15, force_ascii=False)


def iter_rows(ds: ray.data.Dataset) -> Iterator[dict[str, Any]]:
    """The rows of ds as dicts of plain Python values, streamed (never all in memory)."""
    for batch in ds.iter_batches(batch_format="pyarrow", batch_size=DEFAULT_BATCH_SIZE):
        table: pa.Table = batch
        yield from table.to_pylist()


def write_json_lines(
    rows: Iterable[dict[str, Any]],
    target: Path | None,
    on_error: Callable[[dict[str, Any]], None] | None = None,
) -> tuple[int, int]:
    """Writes rows as JSON Lines into target (None: stdout) as they arrive, through a temporary
    file renamed at the end, so an interrupted run leaves no half-written file. on_error is
    called with each error row. Returns (rows, error rows)."""
    import json
    import sys

    from trt_ocr.files import atomic_file

    count = failed = 0

    def write(out: IO[str]) -> None:
        nonlocal count, failed
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
            if row["error"] is not None:
                failed += 1
                if on_error is not None:
                    on_error(row)

    if target is None:
        write(sys.stdout)
        return count, failed
    with atomic_file(target, "w") as f:
        write(f)
    return count, failed


def path_dataset(paths: Sequence[str]) -> ray.data.Dataset:
    """A dataset with a `path` column: the actors read the files themselves (a missing or
    unreadable one is an error row), as OCR.batch over the same paths would."""
    import ray.data

    return ray.data.from_items([{PATH_COLUMN: str(p)} for p in paths])


__all__ = [
    "BYTES_COLUMN",
    "DEFAULT_BATCH_SIZE",
    "OUTPUT_FORMATS",
    "PATH_COLUMN",
    "OCRPredictor",
    "iter_rows",
    "map_ocr",
    "ocr_images",
    "output_format",
    "path_dataset",
    "read_image_files",
    "result_row",
    "schema",
    "write_json_lines",
]
