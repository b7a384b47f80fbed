"""The sweep manifest: one record per member, as an HDF5 table and a CSV export.

Layout of ``DIR/manifest.h5`` (documented in docs/sweeps.md)::

    /                 attrs: format = "loopsim-sweep-manifest", format_version, name,
                      description, base, mode, axes (JSON list of dotted keys),
                      fixed (JSON), sweep_toml, base_toml, code_version, created_utc,
                      updated_utc, units (JSON: column -> units), counts (JSON)
    /members          compound dataset, one row per member, columns in this order:
                      index, name, status, <one column per axis key>, error, wall_s,
                      steps, attempts, started_utc, finished_utc, worker, run_file,
                      <derived scalars, float64, NaN where not available>

``DIR/manifest.csv`` holds the same table (floats written with ``repr``: they read back
bit-for-bit).  Both files are only ever replaced whole (written to ``*.tmp``, then
``os.replace``), by the one process that schedules the sweep.
"""

from __future__ import annotations

import csv
import json
import math
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from ..runfile import plain_value

FORMAT_NAME = "loopsim-sweep-manifest"
FORMAT_VERSION = 1
MANIFEST_H5 = "manifest.h5"
MANIFEST_CSV = "manifest.csv"

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
STATUSES = (PENDING, RUNNING, DONE, FAILED)

#: bookkeeping columns after the parameters, with their units
BOOK_COLUMNS = {
    "error": "",
    "wall_s": "s (wall clock)",
    "steps": "1",
    "attempts": "1",
    "started_utc": "ISO 8601",
    "finished_utc": "ISO 8601",
    "worker": "host:pid",
    "run_file": "path relative to the sweep directory",
}


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class MemberRecord:
    """The manifest's row for one member."""

    index: int
    name: str
    params: dict[str, Any]
    run_file: str  #: relative to the sweep directory
    status: str = PENDING
    error: str = ""
    wall_s: float = math.nan
    steps: int = -1
    attempts: int = 0
    started_utc: str = ""
    finished_utc: str = ""
    worker: str = ""
    scalars: dict[str, float] = field(default_factory=dict)


@dataclass
class Manifest:
    """All members of a sweep and the sweep's description (see the module docstring)."""

    attrs: dict[str, Any]
    records: list[MemberRecord]
    units: dict[str, str] = field(default_factory=dict)

    @property
    def axes(self) -> list[str]:
        return list(self.attrs["axes"])

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for record in self.records:
            out[record.status] += 1
        return out

    def scalar_names(self) -> list[str]:
        names: list[str] = [n for n in self.units if n not in BOOK_COLUMNS
                            and n not in self.axes and n not in ("index", "name", "status")]
        for record in self.records:
            for name in record.scalars:
                if name not in names:
                    names.append(name)
        return names

    # -- the table ------------------------------------------------------------------------
    def columns(self) -> list[str]:
        return ["index", "name", "status", *self.axes, *BOOK_COLUMNS, *self.scalar_names()]

    def table(self) -> np.ndarray:
        """The manifest as a numpy record array (strings as ``str``, missing scalars NaN)."""
        kinds = {key: _param_kind([r.params[key] for r in self.records]) for key in self.axes}
        dtype: list[tuple[str, Any]] = [("index", "i8"), ("name", object), ("status", object)]
        dtype += [(key, _numpy_type(kinds[key])) for key in self.axes]
        dtype += [("error", object), ("wall_s", "f8"), ("steps", "i8"), ("attempts", "i8"),
                  ("started_utc", object), ("finished_utc", object), ("worker", object),
                  ("run_file", object)]
        scalars = self.scalar_names()
        dtype += [(name, "f8") for name in scalars]
        out = np.empty(len(self.records), dtype=dtype)
        for i, r in enumerate(self.records):
            row: list[Any] = [r.index, r.name, r.status]
            row += [_param_cell(r.params[key], kinds[key]) for key in self.axes]
            row += [r.error, r.wall_s, r.steps, r.attempts, r.started_utc, r.finished_utc,
                    r.worker, r.run_file]
            row += [float(r.scalars.get(name, math.nan)) for name in scalars]
            out[i] = tuple(row)
        return out

    def column(self, name: str) -> np.ndarray:
        """One column of :meth:`table` by name (a parameter key, status, a scalar...)."""
        table = self.table()
        if name not in table.dtype.names:
            raise KeyError(f"no column '{name}' in the manifest; columns: "
                           f"{', '.join(table.dtype.names)}")
        return table[name]

    # -- files ----------------------------------------------------------------------------
    def write(self, directory: str | Path) -> None:
        """Write ``manifest.h5`` and ``manifest.csv`` into ``directory`` atomically."""
        directory = Path(directory)
        table = self.table()
        self.attrs["updated_utc"] = now_utc()
        self.attrs["counts"] = self.counts()
        units = {"index": "1", "name": "", "status": "|".join(STATUSES), **self.units}
        h5_path = directory / MANIFEST_H5
        tmp = h5_path.with_name(h5_path.name + ".tmp")
        h5_table = table.astype([(n, h5py.string_dtype() if table.dtype[n].kind == "O"
                                  else table.dtype[n]) for n in table.dtype.names])
        with h5py.File(tmp, "w") as fh:
            fh.attrs["format"] = FORMAT_NAME
            fh.attrs["format_version"] = FORMAT_VERSION
            for key, value in self.attrs.items():
                fh.attrs[key] = (json.dumps(value) if isinstance(value, dict | list | tuple)
                                 else value)
            fh.attrs["units"] = json.dumps({n: units.get(n, "") for n in table.dtype.names})
            fh.create_dataset("members", data=h5_table)
        with open(tmp, "rb+") as raw:
            os.fsync(raw.fileno())
        os.replace(tmp, h5_path)

        csv_path = directory / MANIFEST_CSV
        tmp = csv_path.with_name(csv_path.name + ".tmp")
        with open(tmp, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(table.dtype.names)
            for row in table:
                writer.writerow([_csv_cell(v) for v in row.tolist()])
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, csv_path)


#: manifest attributes stored as JSON text
_JSON_ATTRS = ("axes", "fixed", "counts", "units")


def read_manifest(directory: str | Path) -> Manifest:
    """Read ``DIR/manifest.h5`` (``directory`` may also be the manifest file itself)."""
    path = Path(directory)
    if path.is_dir():
        path = path / MANIFEST_H5
    if not path.is_file():
        raise FileNotFoundError(f"no sweep manifest at '{path}'")
    with h5py.File(path, "r") as fh:
        if plain_value(fh.attrs.get("format", "")) != FORMAT_NAME:
            raise ValueError(f"'{path}' is not a loopsim sweep manifest")
        attrs = {k: plain_value(v) for k, v in fh.attrs.items()}
        table = fh["members"][()]
    for key in _JSON_ATTRS:
        if key in attrs:
            attrs[key] = json.loads(attrs[key])
    units = attrs.pop("units", {})
    for key in ("format", "format_version"):
        attrs.pop(key, None)
    axes = list(attrs["axes"])
    book = set(BOOK_COLUMNS) | {"index", "name", "status"}
    names = table.dtype.names
    scalars = [n for n in names if n not in book and n not in axes]
    records = []
    for row in table:
        get = {n: plain_value(row[n]) for n in names}
        records.append(MemberRecord(
            index=int(get["index"]), name=get["name"],
            params={key: _param_from_cell(get[key]) for key in axes},
            run_file=get["run_file"], status=get["status"], error=get["error"],
            wall_s=float(get["wall_s"]), steps=int(get["steps"]),
            attempts=int(get["attempts"]), started_utc=get["started_utc"],
            finished_utc=get["finished_utc"], worker=get["worker"],
            scalars={n: float(get[n]) for n in scalars}))
    units = {k: v for k, v in units.items() if k not in ("index", "name", "status")}
    return Manifest(attrs=attrs, records=records, units=units)


# ----------------------------------------------------------------------------------------
# cells
# ----------------------------------------------------------------------------------------

def _param_kind(values: list[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "bool"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "float"
    if all(isinstance(v, str) for v in values):
        return "str"
    return "json"


def _numpy_type(kind: str) -> Any:
    return {"bool": "?", "int": "i8", "float": "f8"}.get(kind, object)


def _param_cell(value: Any, kind: str) -> Any:
    if kind == "float":
        return float(value)
    if kind == "json":
        return "json:" + json.dumps(value)
    return value


def _param_from_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("json:"):
        return json.loads(value[5:])
    return value


def _csv_cell(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes):
        return value.decode()
    return str(value)
