"""Statistical equilibrium and Hα profile against Lightweaver (Osborne & Milic 2021) on
FAL-C, like for like: the same model atom (levels, f-values, cross sections, collisional
rate matrix, Voigt damping), wavelength grids, rays, atmosphere and (hydrogen-only)
background opacities; ionisation solved with n_e fixed; Hα in Voigt mode (Lightweaver has
no quasi-static Stark profile).  Needs the ``reference`` extra (pip install lightweaver).
"""

from __future__ import annotations

import time

import numpy as np
import pytest

lw = pytest.importorskip("lightweaver")

from postprocess.halpha import falc, mali  # noqa: E402
from postprocess.halpha import lwcompare as lwc  # noqa: E402
from postprocess.halpha import spectrum as sp  # noqa: E402


@pytest.fixture(scope="module")
def both():
    atmos = falc()
    settings = mali.MaliSettings(halpha_broadening="voigt", ionisation="solve", tolerance=1e-4,
                            thin_temperature=0.0)
    prob = mali.build_problem(atmos, settings)
    t0 = time.perf_counter()
    ours = mali.solve_statistical_equilibrium(atmos, problem=prob)
    t_ours = time.perf_counter() - t0
    ctx, _ = lwc.build_lightweaver(atmos, prob)
    ref = lwc.solve_lightweaver(ctx, tolerance=1e-4)
    print(f"ours: {ours.iterations} iterations {t_ours:.2f} s; Lightweaver: "
          f"{ref['iterations']} iterations {ref['wall']:.2f} s")
    return atmos, ours, ctx, ref


def halpha_forming(atmos, ours) -> np.ndarray:
    """Depths between tau = 0.01 at Hα line centre and tau = 10 at 1.5 Å from it."""
    lam0 = ours.problem.atom.line(2, 3).wavelength
    chi, _ = sp.opacity_emissivity(ours, np.array([lam0, lam0 + 1.5]), 1.0)
    dz = np.abs(np.diff(atmos.height))
    tau = np.concatenate([np.zeros((2, 1)), np.cumsum(0.5 * (chi[:, 1:] + chi[:, :-1]) * dz,
                                                      axis=1)], axis=1)
    return (tau[0] >= 0.01) & (tau[1] <= 10.0)


def test_n2_n3_populations_agree(both):
    atmos, ours, _, ref = both
    assert ours.converged
    sel = halpha_forming(atmos, ours)
    ratio = ours.populations[1:3, sel] / ref["populations"][1:3, sel]
    heights = atmos.height[sel] / 1e5
    print(f"H-alpha-forming layers: {heights.min():.0f}-{heights.max():.0f} km, "
          f"{sel.sum()} points; n2 ratio {ratio[0].min():.4f}-{ratio[0].max():.4f}, "
          f"n3 ratio {ratio[1].min():.4f}-{ratio[1].max():.4f}")
    assert sel.sum() >= 20
    assert np.all(np.abs(ratio - 1.0) <= 0.05)


def test_profile_agrees_within_3_percent_of_continuum(both):
    _, ours, ctx, _ = both
    lam0 = ours.problem.atom.line(2, 3).wavelength
    lam = lam0 + np.linspace(-1.5, 1.5, 61)
    mine = sp.emergent_spectrum(ours, lam)
    theirs = lwc.lightweaver_spectrum(ctx, lam)
    cont = float(sp.continuum_spectrum(ours, np.array([lam0]))[0])
    diff = np.abs(mine - theirs) / cont
    print(f"max |I_ours - I_LW| / I_c over +-1.5 A: {diff.max():.4f}; line centre ours "
          f"{mine[30] / cont:.4f}, Lightweaver {theirs[30] / cont:.4f}")
    assert diff.max() <= 0.03
