"""Run a problem: time loop, exact landing on output times, retries, checkpoints.

The driver owns the policy around the implicit step of :mod:`loopsim.integrator`:
steps land exactly on every output time; a failed step is halved and retried; after
``solver.max_retries`` consecutive failures, or below ``time.dt_min``, the run stops with
a diagnosis, status ``failed`` and a checkpoint of the last good state, from which
``loopsim run ... --resume`` continues (possibly with changed ``time.*``/``solver.*``).
"""

from __future__ import annotations

import math
import sys
import time as wallclock
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import __version__
from . import equations as eq
from .config import Config, ConfigError, flatten_dotted
from .config.sections import HydrogenEOS
from .initial import initial_state
from .integrator import Stepper
from .physics.hydrogen import MASS_PER_H
from .rezone import Rezoner
from .runfile import (
    STATUS_FAILED,
    STATUS_FINISHED,
    STATUS_RUNNING,
    Checkpoint,
    RunWriter,
    Snapshot,
    read_checkpoint,
)
from .sources import SourceTerms, equilibrium_background
from .state import State

#: cumulative energy-budget terms (erg cm^-2) kept per run and written with every snapshot
BUDGET_TERMS = ("boundary_work", "beam_energy", "background_energy", "radiated_energy")

#: config sections/keys that may change when a run is resumed
RESUMABLE_CHANGES = ("time.", "solver.", "output.checkpoint_interval")


class RunFailed(RuntimeError):
    """The time integration could not continue; the run file holds a restart checkpoint."""


@dataclass
class RunSummary:
    path: Path
    status: str
    time: float
    steps: int
    newton_iterations: int
    cells: int
    wall_seconds: float


def output_times(config: Config, switches: list[float] | None = None) -> np.ndarray:
    """Sorted snapshot times after the start: the interval grid, extra times, the beam
    switch times and the end.

    Times closer together than 1e-12 of the run length are merged; the end time is kept
    exactly as configured.
    """
    t0, t1 = config.time.start, config.time.end
    interval = config.output.interval or (t1 - t0) / 10.0
    tol = 1e-12 * (t1 - t0)
    count = int(math.floor((t1 - t0) / interval * (1.0 + 1e-12)))
    extra = [t for t in list(config.output.times) + list(switches or []) if t > t0]
    candidates = np.concatenate([t0 + interval * np.arange(1, count + 1), extra])
    candidates = np.sort(candidates[candidates < t1 - tol])
    keep = np.concatenate([[True], np.diff(candidates) > tol]) if candidates.size else []
    return np.concatenate([candidates[keep], [t1]])


def check_output_path(path: Path, *, resume: bool, overwrite: bool) -> None:
    """Reject an output path that cannot be used, before any computation."""
    if not path.parent.exists() or not path.parent.is_dir():
        raise ConfigError(
            f"output directory '{path.parent}' does not exist (for run file '{path}')"
        )
    if path.is_dir():
        raise ConfigError(f"output path '{path}' is a directory, expected a .h5 file name")
    if resume and not path.exists():
        raise ConfigError(f"--resume given but run file '{path}' does not exist")
    if path.exists() and not (resume or overwrite):
        raise ConfigError(
            f"run file '{path}' already exists; use --resume to continue it or --overwrite "
            "to replace it"
        )


def _check_resume_config(stored_toml: str, config: Config) -> None:
    stored = flatten_dotted(tomllib.loads(stored_toml))
    current = flatten_dotted(config.to_dict())
    differing = sorted(
        key
        for key in set(stored) | set(current)
        if stored.get(key) != current.get(key) and not key.startswith(RESUMABLE_CHANGES)
    )
    if differing:
        details = "; ".join(f"{k}: file {stored.get(k)!r} vs now {current.get(k)!r}"
                            for k in differing)
        raise ConfigError(f"cannot resume: the config differs from the run file ({details})")


class Simulation:
    """A run in progress: state, counters and the writer."""

    def __init__(self, config: Config, path: str | Path, *, resume: bool = False,
                 overwrite: bool = False, progress: bool | None = None):
        self.config = config
        self.path = Path(path)
        check_output_path(self.path, resume=resume, overwrite=overwrite)
        self.stepper = Stepper(config)
        self.sources = SourceTerms(config)
        floor = config.rezone.enabled and config.rezone.keep_initial_mesh
        # the initial mesh is rebuilt from the config (deterministic) on --resume too
        initial = initial_state(config) if floor or not resume else None
        self.rezoner = None
        if config.rezone.enabled:
            self.rezoner = Rezoner(config, self.stepper.flags, self.stepper.par,
                                   initial.dm if floor else None)
        self.events = output_times(config, self.sources.switch_times())
        self.progress = sys.stderr.isatty() if progress is None else progress
        self.resumed_finished = False
        if resume:
            checkpoint, attrs = read_checkpoint(self.path)
            _check_resume_config(attrs["config"], config)
            self._restore(checkpoint)
            self.resumed_finished = attrs["status"] == STATUS_FINISHED and (
                self.state.t >= config.time.end
            )
            self.writer = RunWriter(self.path, problem=config.problem.name,
                                    config_toml=config.to_toml(), code_version=__version__,
                                    fresh=False)
        else:
            self.state = initial
            self.step_count = 0
            self.newton_iterations = 0
            self.budget = dict.fromkeys(BUDGET_TERMS, 0.0)
            self.background = np.zeros(self.state.cells)
            if config.heating.background == "equilibrium":
                self.background = equilibrium_background(self.state,
                                                         self.stepper.level(self.state))
            self.dt_next = config.time.dt_initial
            self.next_event = 0
            self.writer = RunWriter(self.path, problem=config.problem.name,
                                    config_toml=config.to_toml(), code_version=__version__,
                                    fresh=True)
            self.writer.add(self.snapshot())
            self.writer.commit(self.checkpoint(), STATUS_RUNNING)
        self.last_commit = wallclock.monotonic()

    # -- snapshots and checkpoints ------------------------------------------------------
    def snapshot(self) -> Snapshot:
        state = self.state
        n = state.cells
        ws = self.stepper.level(state)
        hydrogen = isinstance(self.config.eos, HydrogenEOS)
        arrays = {
            "x": state.x_centre,
            "m": state.column_mass,
            "dm": state.dm.copy(),
            "rho": state.rho,
            "p": ws[eq.W_P, :n].copy(),
            "v": state.u_centre,
            "e": ws[eq.W_E, :n].copy(),
            "x_edges": state.x.copy(),
            "v_edges": state.u.copy(),
        }
        if hydrogen or self.config.eos.mu is not None:
            arrays["T"] = ws[eq.W_T, :n].copy()
        if hydrogen:
            flux = self.sources.injected_flux(state.t)
            deposited = self.sources.beam_deposition(state, ws, flux) if flux > 0 else 0.0
            arrays.update({
                "s": state.x_centre,
                "N_H": state.column_mass / MASS_PER_H,
                "n_e": ws[eq.W_NE, :n].copy(),
                "n_H": ws[eq.W_NH, :n].copy(),
                "x_H": state.xi.copy(),
                "q_beam": deposited / np.diff(state.x) + np.zeros(n),
                "q_background": self.background * state.rho,
                "conductive_flux": ws[eq.W_FLUX, : n + 1].copy(),
                "radiative_loss": ws[eq.W_LOSS, :n] * state.rho,
            })
        scalars = {"mass": state.mass(), "cells": n, **self.stepper.total_energy(state, ws),
                   **self.budget}
        if hydrogen:
            scalars["beam_flux"] = self.sources.injected_flux(state.t)
        return Snapshot(time=state.t, step=self.step_count, arrays=arrays, scalars=scalars)

    def checkpoint(self) -> Checkpoint:
        s = self.state
        return Checkpoint(
            arrays={"x": s.x, "u": s.u, "theta": s.theta, "xi": s.xi, "dm": s.dm,
                    "background": self.background},
            scalars={
                "time": s.t,
                "step": self.step_count,
                "newton_iterations": self.newton_iterations,
                "dt_next": self.dt_next,
                "next_event": self.next_event,
                **{f"budget_{k}": v for k, v in self.budget.items()},
            },
        )

    def _restore(self, cp: Checkpoint) -> None:
        a, s = cp.arrays, cp.scalars
        self.state = State(t=float(s["time"]), x=a["x"], u=a["u"], dm=a["dm"],
                           theta=a["theta"], xi=a["xi"])
        self.background = a["background"]
        self.step_count = int(s["step"])
        self.newton_iterations = int(s["newton_iterations"])
        self.budget = {k: float(s[f"budget_{k}"]) for k in BUDGET_TERMS}
        self.dt_next = float(s["dt_next"])
        # events may have been extended (time.end changed): recount from the time
        self.next_event = int(np.searchsorted(self.events, self.state.t, side="right"))

    def _commit(self, status: str, message: str = "") -> None:
        self.writer.commit(self.checkpoint(), status, message)
        self.last_commit = wallclock.monotonic()

    # -- time loop ------------------------------------------------------------------------
    def run(self) -> RunSummary:
        start_wall = wallclock.monotonic()
        if not self.resumed_finished:
            try:
                self._loop()
            except KeyboardInterrupt:
                self._commit(STATUS_FAILED, f"interrupted at t = {self.state.t:.6g} s; "
                             "continue with --resume")
                raise
            self._commit(STATUS_FINISHED)
        return RunSummary(self.path, STATUS_FINISHED, self.state.t, self.step_count,
                          self.newton_iterations, self.state.cells,
                          wallclock.monotonic() - start_wall)

    def _loop(self) -> None:
        cfg = self.config
        bar = _progress_bar(cfg, self.state.t) if self.progress else None
        retries = 0
        try:
            while self.next_event < len(self.events):
                if self.step_count >= cfg.time.max_steps:
                    self._fail(f"time.max_steps = {cfg.time.max_steps} reached at "
                               f"t = {self.state.t:.6g} s")
                target = float(self.events[self.next_event])
                remaining = target - self.state.t
                landing = self.dt_next >= remaining
                dt = remaining if landing else self.dt_next
                ws = self.stepper.level(self.state)
                source, ion_rate, beam_power = self.sources.for_step(
                    self.state, ws, self.state.t, dt, self.background)
                outcome = self.stepper.try_step(self.state, dt, source, ion_rate, ws)
                if not outcome.ok:
                    retries += 1
                    self.dt_next = 0.5 * dt
                    if retries > cfg.solver.max_retries or self.dt_next < cfg.time.dt_min:
                        self._fail(
                            f"step collapse at t = {self.state.t:.9g} s: {retries} consecutive "
                            f"failed steps, last dt = {dt:.3g} s ({outcome.message}); "
                            f"last good state kept as checkpoint"
                        )
                    continue
                retries = 0
                new = outcome.state
                if landing:
                    new.t = target
                growth_base = max(dt, self.dt_next) if landing else dt
                self.dt_next = self.stepper.next_dt(self.state, new, dt, growth_base)
                self.state = new
                self.step_count += 1
                self.newton_iterations += outcome.iterations
                boundary_work, _, radiated = outcome.budget
                self.budget["boundary_work"] += boundary_work
                self.budget["radiated_energy"] += radiated
                self.budget["beam_energy"] += dt * beam_power
                self.budget["background_energy"] += dt * float(np.sum(self.background
                                                                       * self.state.dm))
                if self.rezoner is not None and self.step_count % cfg.rezone.every == 0:
                    rezoned = self.rezoner.apply(self.state, self.background)
                    self.state, self.background = rezoned.state, rezoned.background
                if bar is not None:
                    bar.update(dt)
                    bar.set_postfix(dt=f"{dt:.2e}", steps=self.step_count, refresh=False)
                if landing:
                    self.next_event += 1
                    self.writer.add(self.snapshot())
                    if cfg.output.checkpoint_interval == 0.0:
                        self._commit(STATUS_RUNNING)
                if (
                    cfg.output.checkpoint_interval > 0.0
                    and wallclock.monotonic() - self.last_commit >= cfg.output.checkpoint_interval
                ):
                    self._commit(STATUS_RUNNING)
        finally:
            if bar is not None:
                bar.close()

    def _fail(self, message: str) -> None:
        self._commit(STATUS_FAILED, message)
        raise RunFailed(f"{message}. Run file: {self.path}")


def _progress_bar(config: Config, t_now: float):
    from tqdm import tqdm

    return tqdm(
        total=config.time.end - config.time.start,
        initial=t_now - config.time.start,
        unit="s",
        unit_scale=False,
        desc=config.problem.name,
        bar_format="{desc}: {percentage:3.0f}%|{bar}| t={n:.4g}/{total:.4g} s "
        "[{elapsed}<{remaining}{postfix}]",
        file=sys.stderr,
    )


def run(config: Config, path: str | Path, *, resume: bool = False, overwrite: bool = False,
        progress: bool | None = None) -> RunSummary:
    """Run ``config`` to its end time, writing the run file at ``path``."""
    return Simulation(config, path, resume=resume, overwrite=overwrite,
                      progress=progress).run()
