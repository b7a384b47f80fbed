"""Hα of static flare chromospheres (postprocess.analysis.cgr84).

* With no beam, loopsim's own quiet chromosphere (VAL-C temperatures, P0 = 10) gives the
  quiet-Sun Hα line depth: centre 0.14–0.19 of the continuum (FAL-C and the observed disk
  centre: ~0.16; issue 4).
The beam-heated grid is not finished (see the module docstring), so CGR84's trends are
not tested yet.
"""

from __future__ import annotations

from postprocess.analysis.cgr84 import cgr84_profile, profile_features

CELLS = 60


def test_quiet_model_chromosphere_has_quiet_sun_line_depth():
    features = profile_features(cgr84_profile(10.0, 0.0, cells=CELLS))
    assert 0.14 <= features["centre"] / features["continuum"] <= 0.19
    assert features["reversal_depth"] == 0.0  # an absorption line
