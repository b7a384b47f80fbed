"""The run file: one self-describing HDF5 file per run (layout in docs/format.md).

Writes are atomic.  The file on disk is only ever replaced as a whole: the writer copies
the current file to ``PATH.tmp``, appends the snapshots produced since the last write,
replaces the restart checkpoint, sets the status, flushes to disk and renames the copy
over ``PATH`` (``os.replace`` is atomic on POSIX).  A process killed at any moment
therefore leaves either the previous complete file or the new complete file, never a
half-written one, and a file reads as ``finished`` only after the last write of a run
that reached its end time.
"""

from __future__ import annotations

import json
import os
import shutil
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import h5py
import numpy as np

FORMAT_NAME = "loopsim-run"
FORMAT_VERSION = 1

STATUS_RUNNING = "running"
STATUS_FINISHED = "finished"
STATUS_FAILED = "failed"

#: units of every per-cell array and per-snapshot scalar that may appear in a run file
UNITS = {
    "x": "cm",
    "x_edges": "cm",
    "m": "g cm^-2",
    "dm": "g cm^-2",
    "rho": "g cm^-3",
    "p": "dyn cm^-2",
    "T": "K",
    "v": "cm s^-1",
    "v_edges": "cm s^-1",
    "e": "erg g^-1",
    "time": "s",
    "mass": "g cm^-2",
    "kinetic_energy": "erg cm^-2",
    "internal_energy": "erg cm^-2",
    "total_energy": "erg cm^-2",
    "boundary_work": "erg cm^-2",
    "s": "cm",
    "N_H": "cm^-2",
    "n_e": "cm^-3",
    "n_H": "cm^-3",
    "x_H": "1",
    "q_beam": "erg cm^-3 s^-1",
    "q_background": "erg cm^-3 s^-1",
    "conductive_flux": "erg cm^-2 s^-1",
    "radiative_loss": "erg cm^-3 s^-1",
    "potential_energy": "erg cm^-2",
    "beam_energy": "erg cm^-2",
    "background_energy": "erg cm^-2",
    "radiated_energy": "erg cm^-2",
    "beam_flux": "erg cm^-2 s^-1",
}


def _snapshot_name(index: int) -> str:
    return f"{index:06d}"


@dataclass
class Snapshot:
    """One output time: cell arrays (cgs) and integrated scalars."""

    time: float
    step: int
    arrays: dict[str, np.ndarray]
    scalars: dict[str, float] = field(default_factory=dict)


@dataclass
class Checkpoint:
    """Everything needed to continue a run bit-for-bit: state arrays and counters."""

    arrays: dict[str, np.ndarray]
    scalars: dict[str, float | int]


class RunWriter:
    """Accumulates snapshots and writes the run file atomically on :meth:`commit`."""

    def __init__(self, path: str | Path, *, problem: str, config_toml: str, code_version: str,
                 fresh: bool):
        """``fresh``: start a new file (an existing one is replaced at the first commit);
        otherwise append to the existing file (resume)."""
        self.path = Path(path)
        self._fresh = fresh
        self.problem = problem
        self.config_toml = config_toml
        self.code_version = code_version
        self.pending: list[Snapshot] = []
        self.snapshots_on_disk = 0
        if not fresh:
            with h5py.File(self.path, "r") as fh:
                self.snapshots_on_disk = int(fh["snapshots"].attrs["count"])

    def add(self, snapshot: Snapshot) -> None:
        self.pending.append(snapshot)

    def commit(self, checkpoint: Checkpoint, status: str, message: str = "") -> None:
        """Write pending snapshots, the checkpoint and the status in one atomic replace."""
        tmp = self.path.with_name(self.path.name + ".tmp")
        if self._fresh:
            mode = "w"
        else:
            shutil.copyfile(self.path, tmp)
            mode = "r+"
        with h5py.File(tmp, mode) as fh:
            if mode == "w":
                self._write_header(fh)
            snaps = fh["snapshots"]
            for snap in self.pending:
                self._write_snapshot(snaps, self.snapshots_on_disk, snap)
                self.snapshots_on_disk += 1
            snaps.attrs["count"] = self.snapshots_on_disk
            if "checkpoint" in fh:
                del fh["checkpoint"]
            group = fh.create_group("checkpoint")
            for name, arr in checkpoint.arrays.items():
                group.create_dataset(name, data=arr)
            for name, value in checkpoint.scalars.items():
                group.attrs[name] = value
            fh.attrs["status"] = status
            fh.attrs["status_message"] = message
            fh.attrs["updated_utc"] = _now()
            fh.flush()
        with open(tmp, "rb+") as raw:
            os.fsync(raw.fileno())
        os.replace(tmp, self.path)
        self.pending.clear()
        self._fresh = False

    def _write_header(self, fh: h5py.File) -> None:
        fh.attrs["format"] = FORMAT_NAME
        fh.attrs["format_version"] = FORMAT_VERSION
        fh.attrs["code_version"] = self.code_version
        fh.attrs["problem"] = self.problem
        fh.attrs["config"] = self.config_toml
        fh.attrs["created_utc"] = _now()
        fh.attrs["units"] = json.dumps(UNITS)
        fh.create_group("snapshots").attrs["count"] = 0

    @staticmethod
    def _write_snapshot(snaps: h5py.Group, index: int, snap: Snapshot) -> None:
        group = snaps.create_group(_snapshot_name(index))
        group.attrs["time"] = snap.time
        group.attrs["step"] = snap.step
        for name, value in snap.scalars.items():
            group.attrs[name] = value
        for name, arr in snap.arrays.items():
            group.create_dataset(name, data=arr)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_checkpoint(path: str | Path) -> tuple[Checkpoint, dict[str, Any]]:
    """The restart checkpoint and the root attributes of a run file."""
    with h5py.File(path, "r") as fh:
        attrs = {k: plain_value(v) for k, v in fh.attrs.items()}
        group = fh["checkpoint"]
        arrays = {k: group[k][()] for k in group}
        scalars = {k: plain_value(v) for k, v in group.attrs.items()}
    return Checkpoint(arrays=arrays, scalars=scalars), attrs


def plain_value(value: Any) -> Any:
    """An HDF5 attribute as a plain Python value (bytes -> str, numpy scalar -> item)."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value


class Run:
    """Read-only view of a run file: ``len(run)``, ``run.times``, ``run[i]["rho"]``.

    Snapshots are read lazily; ``run[i]`` returns a dict of cell arrays (cgs) with the
    scalar ``"time"`` and the snapshot's integrated quantities under ``run.scalars(i)``.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"run file '{self.path}' does not exist")
        with h5py.File(self.path, "r") as fh:
            if plain_value(fh.attrs.get("format", "")) != FORMAT_NAME:
                raise ValueError(f"'{self.path}' is not a loopsim run file")
            self.attrs = {k: plain_value(v) for k, v in fh.attrs.items()}
            snaps = fh["snapshots"]
            self._count = int(snaps.attrs["count"])
            self.times = np.array(
                [snaps[_snapshot_name(i)].attrs["time"] for i in range(self._count)]
            )
        self.config: dict[str, Any] = tomllib.loads(self.attrs["config"])
        self.units: dict[str, str] = json.loads(self.attrs["units"])

    @property
    def status(self) -> str:
        return self.attrs["status"]

    @property
    def status_message(self) -> str:
        return self.attrs.get("status_message", "")

    @property
    def problem(self) -> str:
        return self.attrs["problem"]

    @property
    def code_version(self) -> str:
        return self.attrs["code_version"]

    def __len__(self) -> int:
        return self._count

    def _index(self, index: int) -> int:
        if index < 0:
            index += self._count
        if not 0 <= index < self._count:
            raise IndexError(f"snapshot {index} out of range (run has {self._count})")
        return index

    def __getitem__(self, index: int) -> dict[str, Any]:
        index = self._index(index)
        with h5py.File(self.path, "r") as fh:
            group = fh["snapshots"][_snapshot_name(index)]
            out: dict[str, Any] = {name: group[name][()] for name in group}
            out["time"] = float(group.attrs["time"])
        return out

    def scalars(self, index: int) -> dict[str, float]:
        """Integrated quantities of one snapshot (mass, energies, boundary work, ...)."""
        index = self._index(index)
        with h5py.File(self.path, "r") as fh:
            attrs = fh["snapshots"][_snapshot_name(index)].attrs
            return {k: plain_value(v) for k, v in attrs.items()}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for i in range(self._count):
            yield self[i]

    def __repr__(self) -> str:
        return (
            f"Run('{self.path}', problem={self.problem!r}, status={self.status!r}, "
            f"snapshots={len(self)})"
        )


def open_run(path: str | Path) -> Run:
    """Open a run file for reading (see :class:`Run`)."""
    return Run(path)
