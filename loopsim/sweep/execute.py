"""Running a sweep: members on a local process pool, in-process, or on MPI workers.

One process -- the *scheduler* -- owns the sweep directory and the manifest. It hands
members to workers one at a time, never more than there are workers, so a member is
``running`` in the manifest exactly while a worker computes it and the next member goes
to whichever worker frees up first (dynamic load balancing: members of very different
cost do not wait behind each other). Workers compute the member's run file and its
derived scalars and return them; only the scheduler writes the manifest, and it replaces
it whole after every change (atomic, see :mod:`loopsim.sweep.manifest`).

Fault isolation: anything a member raises (a config the schema rejects, a solver
failure, an error in the summariser) is caught in the worker and recorded as that
member's ``failed`` status and message; the others continue. A worker process that dies
outright marks its member failed and the pool is rebuilt.

Resume: a member counts as done only if its run file reads ``finished`` (the run file's
status is written atomically by the driver). On ``resume=True`` every other member runs
again -- from its run file's checkpoint if that file was left ``running`` (the sweep was
killed), from the start if it failed or never began -- and a finished run file whose
scalars were not recorded (killed between the two) is only summarised.

Executors (:func:`make_executor`): ``"serial"`` (in this process, no pool), ``"process"``
(a :class:`concurrent.futures.ProcessPoolExecutor`, the default) and ``"mpi"``
(:class:`mpi4py.futures.MPIPoolExecutor`; under ``mpiexec -n N python -m mpi4py.futures``
the N - 1 other ranks are the workers).
"""

from __future__ import annotations

import fcntl
import math
import multiprocessing
import os
import socket
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    BrokenExecutor,
    Executor,
    Future,
    ProcessPoolExecutor,
    wait,
)
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..config import ConfigError
from .manifest import (
    BOOK_COLUMNS,
    DONE,
    FAILED,
    MANIFEST_H5,
    PENDING,
    RUNNING,
    Manifest,
    MemberRecord,
    now_utc,
    read_manifest,
)
from .spec import SweepError, SweepSpec, member_config

#: run file -> derived scalars (name -> float); it must be picklable (a module-level
#: function) to reach the workers, and may carry ``units`` (dict name -> units)
Summariser = Callable[[Path], dict[str, float]]

MPI_INSTALL_HINT = (
    'the MPI mode needs mpi4py and an MPI library; install both from PyPI with\n'
    '    pip install "loopsim-flare[mpi]"        (mpi4py + the mpich wheel)\n'
    'then run e.g.  mpiexec -n 8 python -m mpi4py.futures -m loopsim sweep SWEEP.toml '
    '-o DIR --mpi\n(mpiexec is installed by the mpich wheel next to python)'
)

RUNS_DIR = "runs"
LOCK_FILE = ".lock"


class MPIUnavailable(SweepError):
    """The MPI mode was requested but mpi4py (or an MPI library) cannot be imported."""


@dataclass(frozen=True)
class PostStage:
    """A post-processing stage run on each finished member (``--post NAME``).

    ``function(run_file) -> {name: value}``; the manifest columns are ``NAME_name``.
    """

    name: str
    function: Summariser


@dataclass(frozen=True)
class Task:
    """What a worker needs to compute one member (pickled to the worker)."""

    index: int
    name: str
    base_toml: str
    fixed: dict[str, Any]
    params: dict[str, Any]
    run_path: str
    action: str  #: "fresh" (from t = start), "resume" (from the checkpoint), "summarise"
    summarise: Summariser | None = None
    post: tuple[PostStage, ...] = ()


@dataclass
class Outcome:
    """What a worker returns for one member."""

    index: int
    ok: bool
    error: str
    wall_s: float
    steps: int
    scalars: dict[str, float]
    worker: str
    finished_utc: str


def _steps_in(run_path: Path) -> int:
    from ..runfile import read_checkpoint

    try:
        checkpoint, _ = read_checkpoint(run_path)
        return int(checkpoint.scalars["step"])
    except (OSError, KeyError):
        return -1


def execute_member(task: Task) -> Outcome:
    """Compute one member in this process: run (or resume) it, then its scalars.

    Every exception is caught and returned as a failed :class:`Outcome` with its message
    (``KeyboardInterrupt`` and ``SystemExit`` propagate).
    """
    from ..driver import run

    start = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    path = Path(task.run_path)
    scalars: dict[str, float] = {}
    steps = -1
    try:
        config = member_config(task.base_toml, task.fixed, task.params)
        if task.action in ("fresh", "resume"):
            summary = run(config, path, resume=task.action == "resume",
                          overwrite=task.action == "fresh", progress=False)
            steps = summary.steps
        else:
            steps = _steps_in(path)
        if task.summarise is not None:
            scalars.update(task.summarise(path))
        for stage in task.post:
            scalars.update({f"{stage.name}_{k}": v for k, v in stage.function(path).items()})
    except Exception as exc:  # noqa: BLE001 - fault isolation: any failure is recorded
        if steps < 0 and path.is_file():
            steps = _steps_in(path)
        message = f"{type(exc).__name__}: {exc}".strip()
        return Outcome(task.index, False, message, time.perf_counter() - start, steps,
                       scalars, worker, now_utc())
    return Outcome(task.index, True, "", time.perf_counter() - start, steps,
                   {k: float(v) for k, v in scalars.items()}, worker, now_utc())


# ----------------------------------------------------------------------------------------
# executors
# ----------------------------------------------------------------------------------------

class InlineExecutor(Executor):
    """Runs each submitted call immediately in this process (``--jobs 1``)."""

    def submit(self, fn, /, *args, **kwargs) -> Future:
        future: Future = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - handed to the scheduler like a pool would
            future.set_exception(exc)
        return future


def mpi_launched() -> bool:
    """True inside ``python -m mpi4py.futures`` with a shared pool of worker ranks."""
    core = sys.modules.get("mpi4py.futures._core")
    return core is not None and getattr(core, "SharedPool", None) is not None


def _require_mpi() -> type[Executor]:
    """mpi4py.futures.MPIPoolExecutor, or :class:`MPIUnavailable` saying how to install it."""
    try:
        from mpi4py.futures import MPIPoolExecutor
    except ImportError as exc:
        raise MPIUnavailable(f"{MPI_INSTALL_HINT}\n(import failed: {exc})") from None
    return MPIPoolExecutor


def make_executor(kind: str, jobs: int | None = None) -> tuple[Executor, int, str]:
    """An executor, the number of members to keep in flight, and a description.

    ``kind``: "serial", "process" (``jobs`` workers, default: the CPU count) or "mpi"
    (the worker ranks of ``mpiexec ... python -m mpi4py.futures``; otherwise ``jobs``
    workers spawned through MPI).
    """
    if kind == "serial":
        return InlineExecutor(), 1, "serial (in this process)"
    if kind == "process":
        workers = jobs or os.cpu_count() or 1
        # fork: workers start with the loaded modules (no re-import, no numba cache
        # reload per worker); spawn where fork does not exist
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        if method == "fork":
            from .. import driver  # noqa: F401 - imported once here, inherited by the workers
        executor = ProcessPoolExecutor(max_workers=workers,
                                       mp_context=multiprocessing.get_context(method))
        return executor, workers, f"local process pool, {workers} workers"
    if kind == "mpi":
        MPIPoolExecutor = _require_mpi()  # noqa: N806 - a class
        executor = MPIPoolExecutor(max_workers=None if mpi_launched() else jobs)
        try:
            workers = executor.num_workers  # mpi4py >= 4
        except AttributeError:  # older mpi4py: the shared pool is every rank but this one
            from mpi4py import MPI

            workers = MPI.COMM_WORLD.Get_size() - 1 if mpi_launched() else (jobs or 1)
        if workers < 1:
            raise SweepError("the MPI pool has no workers; start with mpiexec -n N (N >= 2) "
                             "python -m mpi4py.futures -m loopsim sweep ...")
        return executor, workers, f"MPI (mpi4py.futures), {workers} workers"
    raise ValueError(f"unknown executor kind {kind!r}")


# ----------------------------------------------------------------------------------------
# the scheduler
# ----------------------------------------------------------------------------------------

@dataclass
class SweepResult:
    """What :func:`run_sweep` did."""

    directory: Path
    manifest: Manifest
    executor: str
    submitted: int  #: members handed to workers in this call
    skipped: int  #: members already done (resume)
    rejected: int  #: members whose config the schema rejected (not run)
    wall_s: float
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> list[MemberRecord]:
        return [r for r in self.manifest.records if r.status == FAILED]


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on the sweep directory (released by the OS if killed)."""
    handle = open(directory / LOCK_FILE, "a+")  # noqa: SIM115 - held for the whole sweep
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SweepError(f"sweep directory '{directory}' is in use by another running "
                             "sweep") from None
        yield
    finally:
        handle.close()


def _units(spec: SweepSpec, summarise: Summariser | None,
           post: tuple[PostStage, ...]) -> dict[str, str]:
    import dataclasses

    units: dict[str, str] = {}
    base = member_config(spec.base_toml, {}, {})
    for key in spec.keys:
        node: Any = base
        parts = key.split(".")
        for part in parts[:-1]:
            node = getattr(node, part)
        meta = {f.name: f.metadata for f in dataclasses.fields(node)}[parts[-1]]
        units[key] = meta.get("units", "")
    units.update(BOOK_COLUMNS)
    units.update(getattr(summarise, "units", {}) or {})
    for stage in post:
        units.update({f"{stage.name}_{k}": v
                      for k, v in (getattr(stage.function, "units", {}) or {}).items()})
    return units


def _new_manifest(spec: SweepSpec, units: dict[str, str]) -> Manifest:
    created = now_utc()
    attrs = {
        "name": spec.name, "description": spec.description, "base": spec.base,
        "mode": spec.mode, "axes": spec.keys, "fixed": spec.fixed,
        "sweep_toml": spec.text, "base_toml": spec.base_toml,
        "code_version": __version__, "created_utc": created,
    }
    records = [MemberRecord(index=m.index, name=m.name, params=dict(m.params),
                            run_file=f"{RUNS_DIR}/{m.name}.h5") for m in spec.members]
    return Manifest(attrs=attrs, records=records, units=units)


def _check_same_sweep(spec: SweepSpec, manifest: Manifest, directory: Path) -> None:
    problems = []
    if manifest.attrs.get("base_toml") != spec.base_toml:
        problems.append("the base problem's TOML differs")
    if dict(manifest.attrs.get("fixed", {})) != spec.fixed:
        problems.append(f"[set] differs (directory: {manifest.attrs.get('fixed')}, "
                        f"file: {spec.fixed})")
    stored = [(r.name, r.params) for r in manifest.records]
    wanted = [(m.name, m.params) for m in spec.members]
    if stored != wanted:
        problems.append(f"the members differ ({len(stored)} in the directory, {len(wanted)} "
                        "in the file, or other names/values)")
    if problems:
        raise SweepError(f"cannot resume: '{directory}' holds a different sweep: "
                         + "; ".join(problems) + ". Use a new directory.")


def _needs_post(record: MemberRecord, post: tuple[PostStage, ...]) -> bool:
    for stage in post:
        prefix = f"{stage.name}_"
        values = [v for k, v in record.scalars.items() if k.startswith(prefix)]
        if not values or all(math.isnan(v) for v in values):
            return True
    return False


def _plan(spec: SweepSpec, manifest: Manifest, directory: Path, *, resume: bool,
          summarise: Summariser | None, post: tuple[PostStage, ...]
          ) -> tuple[list[Task], int, int]:
    """Decide what each member needs: (tasks, members skipped as done, members rejected)."""
    from ..runfile import STATUS_FINISHED, STATUS_RUNNING, read_checkpoint

    tasks: list[Task] = []
    skipped = rejected = 0
    for member, record in zip(spec.members, manifest.records, strict=True):
        path = directory / record.run_file
        tmp = path.with_name(path.name + ".tmp")
        if tmp.exists():
            tmp.unlink()  # a commit interrupted by the kill; the run file itself is intact
        try:
            member_config(spec.base_toml, spec.fixed, member.params)
        except ConfigError as exc:
            record.status, record.error = FAILED, f"ConfigError: {exc}"
            record.finished_utc = now_utc()
            rejected += 1
            continue
        action = "fresh"
        if resume and path.is_file():
            try:
                _, attrs = read_checkpoint(path)
                status = attrs.get("status")
            except (OSError, KeyError):
                status = None
            if status == STATUS_FINISHED:
                if record.status == DONE and not _needs_post(record, post):
                    skipped += 1
                    continue
                action = "summarise"
            elif status == STATUS_RUNNING:
                action = "resume"
        record.status, record.error = PENDING, ""
        if action != "summarise":
            record.scalars = {}
        tasks.append(Task(index=member.index, name=member.name, base_toml=spec.base_toml,
                          fixed=spec.fixed, params=member.params, run_path=str(path),
                          action=action, summarise=summarise, post=post))
    return tasks, skipped, rejected


def run_sweep(spec: SweepSpec, directory: str | Path, *, executor: str = "process",
              jobs: int | None = None, resume: bool = False,
              summarise: Summariser | None = None, post: tuple[PostStage, ...] = (),
              progress: bool | None = None) -> SweepResult:
    """Run (or resume) every member of ``spec`` into ``directory``.

    ``directory`` receives ``sweep.toml`` (the sweep file), ``base.toml`` (the base
    problem), ``runs/MEMBER.h5`` (one run file per member) and the manifest. ``summarise``
    computes a member's derived scalars from its run file in the worker (the CLI passes
    :func:`postprocess.analysis.sweep_scalars.member_scalars`); ``post`` adds
    post-processing stages. ``progress``: a progress bar on stderr (default: if a tty).
    Members that fail are recorded and do not stop the others; check
    ``SweepResult.failed``.
    """
    directory = Path(directory)
    started = time.perf_counter()
    if executor == "mpi":
        _require_mpi()
    if directory.exists() and not directory.is_dir():
        raise SweepError(f"sweep output '{directory}' exists and is not a directory")
    manifest_path = directory / MANIFEST_H5
    if resume:
        if not manifest_path.is_file():
            raise SweepError(f"--resume given but '{directory}' holds no sweep "
                             f"({MANIFEST_H5} not found)")
    elif manifest_path.exists() or (directory / RUNS_DIR).exists():
        raise SweepError(f"'{directory}' already holds a sweep; use --resume to continue it, "
                         "or choose a new directory")
    directory.mkdir(parents=True, exist_ok=True)
    units = _units(spec, summarise, post)
    with _locked(directory):
        if resume:
            manifest = read_manifest(directory)
            _check_same_sweep(spec, manifest, directory)
            manifest.units.update(units)
        else:
            (directory / RUNS_DIR).mkdir()
            (directory / "sweep.toml").write_text(spec.text)
            (directory / "base.toml").write_text(spec.base_toml)
            manifest = _new_manifest(spec, units)
        tasks, skipped, rejected = _plan(spec, manifest, directory, resume=resume,
                                         summarise=summarise, post=post)
        manifest.write(directory)
        description = "nothing to run"
        if tasks:
            description = _schedule(tasks, manifest, directory, executor, jobs, spec.name,
                                    progress)
        manifest.write(directory)
    return SweepResult(directory=directory, manifest=manifest, executor=description,
                       submitted=len(tasks), skipped=skipped, rejected=rejected,
                       wall_s=time.perf_counter() - started, counts=manifest.counts())


def _progress_bar(total: int, name: str, enabled: bool | None):
    from tqdm import tqdm

    # no monitor thread: the process pool forks workers while the bar is alive
    tqdm.monitor_interval = 0
    return tqdm(total=total, desc=f"sweep {name}", unit="member", file=sys.stderr,
                disable=(not sys.stderr.isatty()) if enabled is None else not enabled)


def _schedule(tasks: list[Task], manifest: Manifest, directory: Path, kind: str,
              jobs: int | None, name: str, progress: bool | None) -> str:
    """Hand ``tasks`` to workers, at most one per worker at a time; record every outcome."""
    records = {r.index: r for r in manifest.records}
    queue = deque(tasks)
    executor, slots, description = make_executor(kind, jobs)
    in_flight: dict[Future, Task] = {}
    bar = _progress_bar(len(tasks), name, progress)
    failed = 0
    crashes: dict[int, int] = {}
    try:
        while queue or in_flight:
            batch = []
            while queue and len(in_flight) + len(batch) < slots:
                task = queue.popleft()
                record = records[task.index]
                record.status, record.error = RUNNING, ""
                record.attempts += 1
                record.started_utc, record.finished_utc = now_utc(), ""
                batch.append(task)
            if batch:
                manifest.write(directory)
                for task in batch:
                    in_flight[executor.submit(execute_member, task)] = task
            done, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            broken = False
            for future in done:
                task = in_flight.pop(future)
                record = records[task.index]
                try:
                    outcome: Outcome = future.result()
                except BrokenExecutor as exc:
                    # a worker process died; which of the members in flight killed it is
                    # unknown, so each of them gets one more try before it counts as failed
                    broken = True
                    if crashes.get(task.index, 0) == 0:
                        crashes[task.index] = 1
                        record.status = PENDING
                        queue.appendleft(task)
                        continue
                    outcome = Outcome(task.index, False, "worker process died while running "
                                      f"this member, twice ({type(exc).__name__}: {exc})",
                                      math.nan, -1, {}, "", now_utc())
                except Exception as exc:  # noqa: BLE001 - e.g. a task that cannot be pickled
                    outcome = Outcome(task.index, False, f"{type(exc).__name__}: {exc}",
                                      math.nan, -1, {}, "", now_utc())
                record.status = DONE if outcome.ok else FAILED
                record.error = outcome.error
                record.wall_s, record.steps = outcome.wall_s, outcome.steps
                record.worker, record.finished_utc = outcome.worker, outcome.finished_utc
                if task.action == "summarise":
                    record.scalars.update(outcome.scalars)
                else:
                    record.scalars = dict(outcome.scalars)
                failed += not outcome.ok
                bar.update(1)
                bar.set_postfix(failed=failed, refresh=False)
            manifest.write(directory)
            if broken:
                executor.shutdown(wait=False, cancel_futures=True)
                executor, slots, description = make_executor(kind, jobs)
    except KeyboardInterrupt:
        for task in in_flight.values():
            record = records[task.index]
            record.status, record.error = PENDING, "interrupted; continue with --resume"
        manifest.write(directory)
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        bar.close()
    executor.shutdown(wait=True)
    return description
