"""The sections of a loopsim problem file and their defaults (the one place defaults live).

Units are cgs unless a field says otherwise.  Planar test problems (shock tubes) may use
any consistent units: the solver never assumes cgs values for them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .schema import ConfigError, param


@dataclass(frozen=True, kw_only=True)
class ProblemSection:
    name: str = param("unnamed", doc="problem name, stored in the run file")
    description: str = param("", doc="one-line description shown by `loopsim problems`")


@dataclass(frozen=True, kw_only=True)
class MeshSection:
    cells: int = param(200, doc="number of Lagrangian cells at t = 0", min=2, max=10_000_000)
    x_min: float = param(0.0, doc="position of the left boundary at t = 0", units="cm")
    x_max: float = param(1.0, doc="position of the right boundary at t = 0", units="cm")
    # loop meshes (initial.kind = "loop"): the nodes equidistribute a monitor whose terms
    # ask for these changes per cell; only their ratios matter for a given mesh.cells
    dlog_T: float = param(0.02, doc="loop mesh: log10 T change per cell asked for in the "
                          "transition region (relative weight of the T term)", min=0.0,
                          min_exclusive=True)
    dlog_rho: float = param(0.025, doc="loop mesh: log10 rho change per cell asked for in "
                            "the chromosphere above mesh.deep_column (the beam-heated "
                            "layers)", min=0.0, min_exclusive=True)
    dlog_rho_deep: float = param(0.2, doc="loop mesh: log10 rho change per cell asked for "
                                 "well below mesh.deep_column", min=0.0, min_exclusive=True)
    dlog_N: float | None = param(None, doc="loop mesh: log10 change of the hydrogen column "
                                 "per cell asked for in the chromosphere (T < 3e4 K) above "
                                 "mesh.deep_column, where the beam deposits its energy "
                                 "(unset: no column term)", min=0.0, min_exclusive=True)
    deep_column: float = param(3.0e21, doc="loop mesh: hydrogen column from the apex where "
                               "the density weight changes from dlog_rho to dlog_rho_deep",
                               units="cm^-2", min=0.0, min_exclusive=True)

    def __post_init__(self) -> None:
        if not self.x_max > self.x_min:
            raise ConfigError(
                f"mesh.x_max = {self.x_max!r} must be greater than mesh.x_min = {self.x_min!r}"
            )


@dataclass(frozen=True, kw_only=True)
class TimeSection:
    end: float = param(doc="end time of the run", units="s", min=0.0, min_exclusive=True)
    start: float = param(0.0, doc="start time of the run", units="s", min=0.0)
    courant: float = param(
        0.5,
        doc="accuracy limit on the Courant number c_s dt/dx (the mesh moves with the fluid); "
        "may exceed 1 (implicit)",
        min=0.0,
        min_exclusive=True,
        max=1000.0,
    )
    max_change: float = param(
        0.2,
        doc="target maximum relative change of rho and of the thermal variable (e, or T for "
        "hydrogen) per step (accuracy control; inf "
        "switches it off, leaving the Courant limit)",
        min=0.0,
        min_exclusive=True,
        allow_inf=True,
    )
    dt_initial: float = param(
        1e-6, doc="first trial step", units="s", min=0.0, min_exclusive=True
    )
    dt_min: float = param(
        1e-14,
        doc="smallest step before the run is declared failed",
        units="s",
        min=0.0,
        min_exclusive=True,
    )
    dt_max: float = param(
        math.inf, doc="largest step", units="s", min=0.0, min_exclusive=True, allow_inf=True
    )
    max_growth: float = param(
        1.5, doc="largest factor by which the step may grow from one step to the next", min=1.0
    )
    theta: float = param(
        0.5,
        doc="time centring of forces (0.5 = Crank-Nicolson, second order; 1 = backward Euler)",
        min=0.5,
        max=1.0,
    )
    max_steps: int = param(100_000_000, doc="hard limit on the number of steps", min=1)

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise ConfigError(
                f"time.end = {self.end!r} must be greater than time.start = {self.start!r}"
            )
        if self.dt_min > self.dt_initial:
            raise ConfigError(
                f"time.dt_min = {self.dt_min!r} must not exceed time.dt_initial = "
                f"{self.dt_initial!r}"
            )


@dataclass(frozen=True, kw_only=True)
class IdealGasEOS:
    kind: str = param("ideal", doc="equation of state", choices=("ideal",))
    gamma: float = param(
        5.0 / 3.0, doc="ratio of specific heats", min=1.0, min_exclusive=True, max=10.0
    )
    mu: float | None = param(
        None,
        doc="mean molecular weight in units of m_H; when set, T = mu m_H p / (rho k_B) is "
        "written to the run file (cgs problems only)",
        min=0.0,
        min_exclusive=True,
    )


@dataclass(frozen=True, kw_only=True)
class ViscositySection:
    c_quadratic: float = param(
        1.0, doc="quadratic (von Neumann-Richtmyer) coefficient: q ~ c2 rho du^2", min=0.0
    )
    c_linear: float = param(
        0.5, doc="linear coefficient: q ~ c1 rho c_s |du|", min=0.0
    )
    limiter: bool = param(
        True,
        doc="switch the viscosity off in smooth flow with a monotonic (MC) limiter on the "
        "velocity jumps (Christensen 1990), keeping second order away from shocks",
    )


@dataclass(frozen=True, kw_only=True)
class FluidState:
    rho: float = param(doc="density", units="g cm^-3", min=0.0, min_exclusive=True)
    p: float = param(doc="pressure", units="dyn cm^-2", min=0.0, min_exclusive=True)
    v: float = param(0.0, doc="velocity", units="cm s^-1")


@dataclass(frozen=True, kw_only=True)
class RiemannInitial:
    kind: str = param("riemann", doc="two uniform states separated at x_interface",
                      choices=("riemann",))
    x_interface: float = param(doc="position of the initial discontinuity", units="cm")
    left: FluidState = param(doc="state for x < x_interface")
    right: FluidState = param(doc="state for x > x_interface")


@dataclass(frozen=True, kw_only=True)
class AcousticInitial:
    kind: str = param("acoustic", doc="standing sound wave in a closed box",
                      choices=("acoustic",))
    rho: float = param(1.0, doc="background density", units="g cm^-3", min=0.0,
                       min_exclusive=True)
    p: float = param(1.0, doc="background pressure", units="dyn cm^-2", min=0.0,
                     min_exclusive=True)
    amplitude: float = param(
        1e-6, doc="relative density amplitude A: rho = rho0 (1 + A cos(k x))", min=0.0,
        min_exclusive=True, max=0.1
    )
    mode: int = param(1, doc="number of half wavelengths in the box", min=1)


@dataclass(frozen=True, kw_only=True)
class BoundarySide:
    kind: str = param(
        "reflecting",
        doc="reflecting (wall, u = 0), velocity (u prescribed) or pressure (free surface at "
        "a prescribed external pressure)",
        choices=("reflecting", "velocity", "pressure"),
    )
    velocity: float = param(0.0, doc="boundary velocity for kind = 'velocity'", units="cm s^-1")
    pressure: float = param(
        0.0, doc="external pressure for kind = 'pressure'", units="dyn cm^-2", min=0.0
    )


@dataclass(frozen=True, kw_only=True)
class BoundarySection:
    left: BoundarySide = param(doc="boundary at the first node (x_min)")
    right: BoundarySide = param(doc="boundary at the last node (x_max)")


@dataclass(frozen=True, kw_only=True)
class OutputSection:
    interval: float | None = param(
        None,
        doc="time between snapshots (default: 10 snapshots over the run)",
        units="s",
        min=0.0,
        min_exclusive=True,
    )
    times: list[float] = param(
        default_factory=list, doc="extra snapshot times", units="s", min=0.0
    )
    checkpoint_interval: float = param(
        30.0,
        doc="wall-clock seconds between atomic rewrites of the run file (0 = at every snapshot)",
        units="s (wall clock)",
        min=0.0,
    )


@dataclass(frozen=True, kw_only=True)
class SolverSection:
    newton_tol: float = param(
        1e-10, doc="Newton convergence: largest scaled update", min=0.0, min_exclusive=True,
        max=1e-2
    )
    newton_max_iter: int = param(12, doc="Newton iterations before a step is retried", min=1)
    max_retries: int = param(
        30, doc="consecutive step halvings before the run stops with a diagnosis", min=1
    )


@dataclass(frozen=True, kw_only=True)
class HydrogenEOS:
    kind: str = param("hydrogen", doc="hydrogen plasma (helium as neutral mass) with "
                      "ionisation energy in the internal energy", choices=("hydrogen",))
    ionisation: str = param(
        "nonequilibrium",
        doc="lte (Saha) or nonequilibrium (rate equation with collisional ionisation and "
        "recombination, Balmer-continuum photo-ionisation and beam ionisation)",
        choices=("lte", "nonequilibrium"),
    )
    balmer_radiation_temperature: float = param(
        5500.0, doc="radiation temperature of the prescribed Balmer-continuum field "
        "(0 switches Balmer photo-ionisation off)", units="K", min=0.0, max=20000.0
    )
    radiative_processes: bool = param(
        True,
        doc="radiative recombination and Balmer photo-ionisation in the rate equation; false "
        "puts the continua in detailed balance (radiative recombinations cancelled by "
        "photo-ionisations), the LTE limit whose equilibrium is Saha",
    )

    @property
    def gamma(self) -> float:
        """Ratio of specific heats at fixed ionisation (used by the artificial viscosity)."""
        return 5.0 / 3.0


@dataclass(frozen=True, kw_only=True)
class LoopSection:
    half_length: float | None = param(
        None,
        doc="length of the coronal semicircle from the apex to the top of the chromosphere "
        "(unset: planar problem without gravity)",
        units="cm", min=0.0, min_exclusive=True,
    )
    gravity: bool = param(True, doc="gravity projected along the semicircular loop")
    surface_gravity: float = param(2.74e4, doc="solar surface gravity", units="cm s^-2",
                                   min=0.0)


@dataclass(frozen=True, kw_only=True)
class HydroSection:
    static: bool = param(
        False, doc="hold every node at rest (energy equation only; conduction tests)"
    )


@dataclass(frozen=True, kw_only=True)
class ConductionSection:
    enabled: bool = param(False, doc="Spitzer thermal conduction, implicit")
    kappa0: float = param(1.0e-6, doc="Spitzer coefficient", units="erg cm^-1 s^-1 K^-7/2",
                          min=0.0, min_exclusive=True)
    saturation: float = param(
        1.0, doc="flux-limiter coefficient f of the free-streaming flux f (3/2) n_e k T v_e "
        "(0 = no saturation)", min=0.0
    )


@dataclass(frozen=True, kw_only=True)
class RadiationSection:
    enabled: bool = param(
        False, doc="radiative losses: optically thin Lambda(T) and chromospheric escape "
        "probabilities"
    )


@dataclass(frozen=True, kw_only=True)
class BeamSection:
    enabled: bool = param(False, doc="thick-target electron beam heating from the apex")
    F20: float | None = param(
        None, doc="energy flux of electrons above 20 keV (give F20 or flux)",
        units="erg cm^-2 s^-1", min=0.0,
    )
    flux: float | None = param(
        None, doc="energy flux of electrons above E_cutoff (give F20 or flux)",
        units="erg cm^-2 s^-1", min=0.0,
    )
    delta: float = param(4.0, doc="power-law index of the injected electron number flux",
                         min=2.0, min_exclusive=True, max=20.0)
    E_cutoff: float = param(20.0, doc="low-energy cutoff", units="keV", min=0.0,
                            min_exclusive=True, max=1000.0)
    profile: str = param("constant", doc="time profile of the injected flux",
                         choices=("constant", "triangle", "table"))
    start: float = param(0.0, doc="switch-on time (constant, triangle)", units="s", min=0.0)
    duration: float = param(5.0, doc="duration (constant, triangle)", units="s", min=0.0,
                            min_exclusive=True)
    table: list[list[float]] = param(
        default_factory=list,
        doc="[[time, F20], ...] for profile = 'table' (F20 in erg cm^-2 s^-1; linear in "
        "between, zero outside)",
    )

    def __post_init__(self) -> None:
        if not self.enabled:
            return
        if self.profile != "table" and (self.F20 is None) == (self.flux is None):
            raise ConfigError("give exactly one of beam.F20 and beam.flux when beam.enabled")
        if self.profile == "table" and (self.F20 is not None or self.flux is not None):
            raise ConfigError("beam.profile = 'table' takes its F20 values from beam.table; "
                              "remove beam.F20 / beam.flux")
        if self.profile == "table":
            if len(self.table) < 2 or any(len(row) != 2 for row in self.table):
                raise ConfigError(f"beam.table = {self.table!r}: expected at least two "
                                  "[time, F20] pairs")
            times = [row[0] for row in self.table]
            if any(b <= a for a, b in zip(times, times[1:], strict=False)):
                raise ConfigError(f"beam.table times {times!r} must increase strictly")
            if any(row[1] < 0 for row in self.table):
                raise ConfigError(f"beam.table = {self.table!r}: F20 values must be >= 0")


@dataclass(frozen=True, kw_only=True)
class HeatingSection:
    background: str = param(
        "none",
        doc="equilibrium: a steady heating per unit mass, fixed at t = start, that balances "
        "conduction and radiation of the initial atmosphere; none: no background heating",
        choices=("equilibrium", "none"),
    )


@dataclass(frozen=True, kw_only=True)
class LoopInitial:
    kind: str = param("loop", doc="hydrostatic, energy-balanced flare loop (quiet state)",
                      choices=("loop",))
    apex_temperature: float = param(
        doc="coronal apex temperature; the apex pressure follows from energy balance along "
        "the loop (RTV-like)", units="K", min=3.0e5, max=3.0e7,
    )
    chromosphere: str = param("valc", doc="chromospheric T(h): VAL-C (Vernazza et al. 1981)",
                              choices=("valc",))
    bottom_height: float = param(
        0.0, doc="height of the lower boundary above tau_500 = 1", units="cm",
        min=-75.0e5, max=1000.0e5,
    )


@dataclass(frozen=True, kw_only=True)
class ConductionFrontInitial:
    kind: str = param(
        "conduction_front",
        doc="planar nonlinear-conduction similarity solution (Zel'dovich-Raizer) at "
        "time.start, for the conduction verification", choices=("conduction_front",),
    )
    energy: float = param(doc="energy per unit area released at x = x_min",
                          units="erg cm^-2", min=0.0, min_exclusive=True)
    rho: float = param(1.0, doc="uniform density", units="g cm^-3", min=0.0,
                       min_exclusive=True)
    background_temperature: float = param(
        1.0e3, doc="temperature ahead of the front", units="K", min=0.0, min_exclusive=True
    )


@dataclass(frozen=True, kw_only=True)
class RezoneSection:
    enabled: bool = param(False, doc="adaptive splitting and merging of cells (conservative)")
    every: int = param(1, doc="rezone after every this many steps", min=1)
    split_dlog_T: float = param(0.05, doc="split cells whose log10 T jump to a neighbour "
                                "exceeds this (0.05 = 20 cells per decade)", min=0.0,
                                min_exclusive=True)
    split_dlog_rho: float = param(0.1, doc="split cells whose log10 rho jump to a "
                                  "neighbour exceeds this", min=0.0, min_exclusive=True)
    merge_fraction: float = param(0.3, doc="merge a pair when all jumps around it are below "
                                  "this fraction of the split thresholds", min=0.0,
                                  max=0.5)
    max_mass_ratio: float = param(2.0, doc="largest mass ratio of neighbouring cells",
                                  min=1.5)
    min_cell_mass: float = param(1e-10, doc="never split below this cell mass",
                                 units="g cm^-2", min=0.0, min_exclusive=True)
    min_cell_length: float = param(2.0e4, doc="never split a cell shorter than twice this",
                                   units="cm", min=0.0, min_exclusive=True)
    max_cell_length: float = param(2.0e7, doc="split cells longer than this, and never merge "
                                   "into one",
                                   units="cm", min=0.0, min_exclusive=True)
    min_cells: int = param(50, doc="never merge below this many cells", min=2)
    keep_initial_mesh: bool = param(False, doc="never merge two cells into one heavier than "
                                    "the initial mesh's cell at that column mass (merges "
                                    "only undo splits)")
    keep_below_T: float = param(0.0, doc="with keep_initial_mesh: the floor holds only for "
                                "pairs with a cell cooler than this (0: everywhere)",
                                units="K", min=0.0)
    max_cells: int = param(4000, doc="never split above this many cells", min=3)


@dataclass(frozen=True, kw_only=True)
class UniformHydrogenInitial:
    kind: str = param("uniform", doc="uniform hydrogen gas at rest (ionisation tests)",
                      choices=("uniform",))
    rho: float = param(doc="density", units="g cm^-3", min=0.0, min_exclusive=True)
    temperature: float = param(doc="temperature", units="K", min=0.0, min_exclusive=True)
    ionisation: float = param(doc="initial hydrogen ionisation fraction", min=0.0, max=1.0)
