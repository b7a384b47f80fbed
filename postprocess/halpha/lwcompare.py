"""Like-for-like Lightweaver set-up for cross-checking the statistical equilibrium.

Builds a Lightweaver (Osborne & Milic 2021) problem from *our* model atom and atmosphere so
that the two codes differ only in their solvers: the same levels, oscillator strengths,
photoionisation cross sections (tabulated on our grid), collisional rates (our Johnson
1972 rate matrix injected through a custom ``CollisionalRates``), Voigt damping (our Gamma
injected through a custom broadener), wavelength grids, angle quadrature and atmosphere
(geometric height scale); Hα gets the Lorentzian damping of broadening.py's Voigt mode
(radiative + van der Waals + RH/Lightweaver Stark), the other lines ours.  Only hydrogen
is in the radiative set, so Lightweaver's background is H⁻, H free-free, Thomson and
Rayleigh scattering, as ours.  Both solve the
ionisation with n_e fixed (our ``ionisation = "solve"``).  Lines are CRD in both.

Needs ``pip install lightweaver`` (the ``reference`` extra); imported only by the test
and the benchmark.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from loopsim.constants import C_LIGHT, H_PLANCK

from .atmosphere import Atmosphere
from .mali import Problem
from .profiles import halpha_voigt_damping


def build_lightweaver(atmos: Atmosphere, problem: Problem) -> tuple[Any, Any]:
    """(Context, atmosphere) of Lightweaver for ``problem`` (built with ionisation solve)."""
    import lightweaver as lw
    from lightweaver.atomic_model import (
        AtomicLevel,
        AtomicModel,
        ExplicitContinuum,
        LineType,
        TabulatedQuadrature,
        VoigtLine,
    )
    from lightweaver.atomic_table import Element
    from lightweaver.broadening import LineBroadening, StandardLineBroadener
    from lightweaver.collisional_rates import CollisionalRates

    atom = problem.atom
    rates = problem.rates  # [k, to, from] s^-1

    @dataclass(eq=False)
    class FixedRates(CollisionalRates):
        matrix: np.ndarray = field(default=None, repr=False)

        def __repr__(self) -> str:
            return "FixedRates()"

        def compute_rates(self, lw_atmos, eqPops, Cmat):  # noqa: N803 - Lightweaver API
            Cmat[...] += np.transpose(self.matrix, (1, 2, 0))

    @dataclass(eq=False)
    class FixedDamping(StandardLineBroadener):
        gamma: np.ndarray = field(default=None, repr=False)

        def __repr__(self) -> str:
            return "FixedDamping()"

        def broaden(self, lw_atmos, eqPops):  # noqa: N803
            return np.array(self.gamma, dtype=float)

    n_he = 0.1 * atmos.n_h
    cm_per_erg = 1.0 / (H_PLANCK * C_LIGHT)
    levels = []
    for lv in range(atom.n_bound):
        n = lv + 1
        levels.append(AtomicLevel(E=atom.energy[lv] * cm_per_erg, g=atom.g[lv],
                                  label=f"H I n={n}", stage=0, J=Fraction(int(atom.g[lv]) - 1, 2),
                                  L=0, S=Fraction(1, 2)))
    levels.append(AtomicLevel(E=atom.energy[-1] * cm_per_erg, g=1.0, label="H II", stage=1,
                              J=None, L=None, S=None))
    lines, conts = [], []
    for it, tr in enumerate(atom.transitions):
        lo, hi = problem.t_lo[it], problem.t_hi[it]
        grid_nm = problem.lam[lo:hi + 1] / 10.0
        if tr.kind == "line":
            lam0_nm = 1e7 / ((atom.energy[tr.upper] - atom.energy[tr.lower]) * cm_per_erg)
            if (tr.lower, tr.upper) == (1, 2):  # Hα: the damping of broadening.py's Voigt mode
                gamma = halpha_voigt_damping(atmos.temperature, atmos.n_e, atmos.n_neutral)
            else:
                gamma = atom.damping(tr, atmos.temperature, atmos.n_e, atmos.n_neutral, n_he)
            lines.append(VoigtLine(j=tr.upper, i=tr.lower, f=tr.f, type=LineType.CRD,
                                   quadrature=TabulatedQuadrature(list(grid_nm - lam0_nm)),
                                   broadening=LineBroadening(
                                       natural=[FixedDamping(gamma=gamma)], elastic=[])))
        else:
            alpha = problem.t_alpha[it, lo:hi + 1] * 1e-4  # m^2
            conts.append(ExplicitContinuum(j=tr.upper, i=tr.lower,
                                           wavelengthGrid=list(grid_nm),
                                           alphaGrid=list(alpha)))
    model = AtomicModel(element=Element(Z=1), levels=levels, lines=lines, continua=conts,
                        collisions=[FixedRates(j=1, i=0, matrix=rates)])
    lw_atmos = lw.Atmosphere.make_1d(
        scale=lw.ScaleType.Geometric, depthScale=atmos.height * 1e-2,
        temperature=atmos.temperature.copy(), vlos=atmos.velocity * 1e-2,
        vturb=atmos.v_turb * 1e-2, ne=atmos.n_e * 1e6, nHTot=atmos.n_h * 1e6)
    lw_atmos.quadrature(mu=list(problem.mu), wmu=list(problem.wmu))
    rad_set = lw.RadiativeSet([model])
    rad_set.set_active("H")
    spect = rad_set.compute_wavelength_grid()
    eq_pops = rad_set.compute_eq_pops(lw_atmos)
    ctx = lw.Context(lw_atmos, spect, eq_pops, Nthreads=1, conserveCharge=False)
    return ctx, lw_atmos


def solve_lightweaver(ctx: Any, tolerance: float = 1e-4, max_iter: int = 1000) -> dict:
    """Iterate Lightweaver to convergence; populations in cm^-3, wall time, iterations."""
    from lightweaver.iterate_ctx import iterate_ctx_se

    t0 = time.perf_counter()
    it = iterate_ctx_se(ctx, popsTol=tolerance, JTol=5e-3, NmaxIter=max_iter, quiet=True)
    wall = time.perf_counter() - t0
    pops = np.asarray(ctx.activeAtoms[0].n) * 1e-6
    return {"populations": pops, "wall": wall, "iterations": it}


def lightweaver_spectrum(ctx: Any, wavelength_vac_A: np.ndarray, mu: float = 1.0) -> np.ndarray:
    """Emergent I_lambda (erg cm^-2 s^-1 sr^-1 Å^-1) from Lightweaver at vacuum Å."""
    wave_nm = np.asarray(wavelength_vac_A, dtype=float) / 10.0
    sp = ctx.compute_rays(wave_nm, [mu], stokes=False)
    # W m^-2 Hz^-1 sr^-1 -> erg cm^-2 s^-1 Hz^-1 sr^-1
    i_nu = np.asarray(sp).reshape(wave_nm.size, -1)[:, -1] * 1e3
    lam_cm = wave_nm * 1e-7
    return i_nu * C_LIGHT / lam_cm**2 * 1e-8
