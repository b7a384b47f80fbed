r"""Background (non-hydrogen-atom) continuum opacity and emissivity, cgs.

The active hydrogen atom (atom.py) supplies its own bound-free continua; this module
provides everything else the Hα synthesis needs (no metals, as in the Lightweaver
comparison set-up with hydrogen only):

* H⁻ bound-free: photodetachment cross section and absorption coefficient of John (1988,
  A&A 193, 189), eq. 5-7 and Table 2: with lambda in micron, lambda_0 = 1.6419 um,
  alpha = 1.439e4 um K,
      sigma(lambda) = 1e-18 lambda^3 (1/lambda - 1/lambda_0)^{3/2}
                      sum_{n=1}^{6} C_n (1/lambda - 1/lambda_0)^{(n-1)/2}    (cm^2)
      k_bf = 0.750 T^{-5/2} e^{alpha/(lambda_0 T)} (1 - e^{-alpha/(lambda T)}) sigma
  in cm^4 dyn^-1 per neutral H atom and unit electron pressure: chi = k_bf P_e n_HI.
* H⁻ free-free: John (1988) eq. 6 and Table 3 (two wavelength ranges, above and below
  0.3645 um), k_ff = 1e-29 sum_{n=1}^{6} (5040/T)^{(n+1)/2} (lambda^2 A_n + B_n +
  C_n/lambda + D_n/lambda^2 + E_n/lambda^3 + F_n/lambda^4), same units as k_bf; stimulated
  emission included.
* H free-free (hydrogenic, Gaunt factor 1; Rybicki & Lightman 1979 eq. 5.18b):
      chi = 3.692e8 n_e n_p T^{-1/2} nu^{-3} (1 - e^{-h nu/kT})    (cm^-1)
* Thomson scattering: sigma_T n_e, sigma_T = 6.6524587e-25 cm^2.
* Rayleigh scattering on ground-state H (Dalgarno's fit, as in Kurucz 1970 and Gray's
  "The Observation and Analysis of Stellar Photospheres"), lambda in Å:
      sigma = 5.799e-13/lambda^4 + 1.422e-6/lambda^6 + 2.784/lambda^8   (cm^2),
  used for lambda > 1300 Å only (the expansion fails near Lyα; the Lyman lines are part
  of the active atom).

The thermal part (H⁻ bf + ff, H ff) emits with the Planck function, eta = kappa B_nu(T);
the scattering part emits sigma J (coherent, isotropic), J supplied by the caller.
"""

from __future__ import annotations

import numpy as np

from loopsim.constants import C_LIGHT, H_PLANCK, K_B

SIGMA_THOMSON = 6.6524587e-25  # cm^2
_HM_LAMBDA0 = 1.6419  # um, H- photodetachment threshold (John 1988)
_HM_ALPHA = 1.439e4  # um K, hc/k in micron kelvin
_HM_BF_C = np.array([152.519, 49.534, -118.858, 92.536, -34.194, 4.982])
# John (1988) Table 3, rows n = 1..6, columns A..F; lambda > 0.3645 um
_HM_FF_LONG = np.array([
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [2483.346, 285.827, -2054.291, 2827.776, -1341.537, 208.952],
    [-3449.889, -1158.382, 8746.523, -11485.632, 5303.609, -812.939],
    [2200.040, 2427.719, -13651.105, 16755.524, -7510.494, 1132.738],
    [-696.271, -1841.400, 8624.970, -10051.530, 4400.067, -655.020],
    [88.283, 444.517, -1863.864, 2095.288, -901.788, 132.985],
])
# 0.1823 um < lambda < 0.3645 um
_HM_FF_SHORT = np.array([
    [518.1021, -734.8666, 1021.1775, -479.0721, 93.1373, -6.4285],
    [473.2636, 1443.4137, -1977.3395, 922.3575, -178.9275, 12.3600],
    [-482.2089, -737.1616, 1096.8827, -521.1341, 101.7963, -7.0571],
    [115.5291, 169.6374, -245.6490, 114.2430, -21.9972, 1.5097],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
])


def planck_nu(wavelength_A: np.ndarray, temperature: np.ndarray) -> np.ndarray:
    """B_nu(T) in erg cm^-2 s^-1 Hz^-1 sr^-1 for vacuum wavelengths (Å); broadcasting
    (n_lambda, 1) against (n,)."""
    nu = C_LIGHT / (np.asarray(wavelength_A) * 1e-8)
    x = H_PLANCK * nu / (K_B * np.asarray(temperature))
    return 2.0 * H_PLANCK * nu**3 / C_LIGHT**2 / np.expm1(np.minimum(x, 700.0))


def hminus_bf(wavelength_A: np.ndarray, temperature: np.ndarray) -> np.ndarray:
    """John (1988) H⁻ bound-free k_bf, cm^4 dyn^-1 (per n_HI and P_e); shape broadcast of
    wavelength (n_lambda, 1) and T (n,)."""
    lam = np.asarray(wavelength_A, dtype=float) * 1e-4
    t = np.asarray(temperature, dtype=float)
    y = np.clip(1.0 / lam - 1.0 / _HM_LAMBDA0, 0.0, None)
    poly = sum(c * y ** (0.5 * i) for i, c in enumerate(_HM_BF_C))
    sigma = 1e-18 * lam**3 * y**1.5 * poly
    sigma = np.where((lam > 0.125) & (lam < _HM_LAMBDA0), sigma, 0.0)
    return 0.750 * t**-2.5 * np.exp(_HM_ALPHA / (_HM_LAMBDA0 * t)) * (
        -np.expm1(-_HM_ALPHA / (lam * t))) * sigma


def hminus_ff(wavelength_A: np.ndarray, temperature: np.ndarray) -> np.ndarray:
    """John (1988) H⁻ free-free k_ff, cm^4 dyn^-1 (per n_HI and P_e); zero below 0.1823 um."""
    lam = np.asarray(wavelength_A, dtype=float) * 1e-4
    theta = 5040.0 / np.asarray(temperature, dtype=float)
    out = np.zeros(np.broadcast(lam, theta).shape)
    for table, sel in ((_HM_FF_LONG, lam > 0.3645), (_HM_FF_SHORT, (lam > 0.1823)
                                                      & (lam <= 0.3645))):
        total = 0.0
        for n in range(6):
            a, b, c, d, e, f = table[n]
            poly = a * lam**2 + b + c / lam + d / lam**2 + e / lam**3 + f / lam**4
            total = total + theta ** (0.5 * (n + 2)) * poly
        out = np.where(sel, 1e-29 * total, out)
    return out


def background_opacity(wavelength_A: np.ndarray, temperature: np.ndarray, n_e: np.ndarray,
                       n_hi: np.ndarray, n_p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(kappa_thermal, sigma_scattering), each (n_lambda, n_depth) in cm^-1.

    ``wavelength_A``: vacuum Å (n_lambda,); ``temperature`` K, ``n_e``, ``n_hi`` (neutral
    hydrogen, ground state for Rayleigh), ``n_p`` in cm^-3, all (n_depth,).
    """
    lam = np.asarray(wavelength_A, dtype=float)[:, None]
    t = np.asarray(temperature, dtype=float)[None, :]
    p_e = np.asarray(n_e)[None, :] * K_B * t
    nhi = np.asarray(n_hi)[None, :]
    kappa = (hminus_bf(lam, t) + hminus_ff(lam, t)) * p_e * nhi
    nu = C_LIGHT / (lam * 1e-8)
    kappa = kappa + 3.692e8 * np.asarray(n_e)[None, :] * np.asarray(n_p)[None, :] / np.sqrt(t) \
        / nu**3 * (-np.expm1(-H_PLANCK * nu / (K_B * t)))
    rayleigh = np.where(lam > 1300.0, 5.799e-13 / lam**4 + 1.422e-6 / lam**6
                        + 2.784 / lam**8, 0.0)
    sigma = SIGMA_THOMSON * np.asarray(n_e)[None, :] + rayleigh * nhi
    return np.ascontiguousarray(kappa), np.ascontiguousarray(sigma)
