"""Why the simulated condensation stops sooner than Fisher's (1989) thin-slab model.

Fisher's momentum equation (F3 in postprocess.analysis.fisher89) assumes a strong shock:
the chromosphere ahead is undisturbed, so the pressure resisting the slab is the
pre-flare one.  Once the condensation has slowed to about the pre-shock sound speed the
chromosphere below feels the driver: the pressure ahead rises to the hydrostatic value
under the driver and the slab (``contact`` -> 1), the net force on the slab vanishes, and
the downflow dies, while (F3) still pushes it on.  docs/validation.md ("downflow decay")
quotes the measured numbers of the full runs.
"""

from __future__ import annotations

import numpy as np

from postprocess.analysis.fisher89 import shock_contact


def test_supersonic_condensation_meets_the_strong_shock_assumption(run_problem):
    """F20 = 3e11 (explosive): while the condensation runs at Mach > 2.5 into the
    chromosphere, the pressure ahead is still within 20 % (of the driving excess) of the
    pre-flare one."""
    run = run_problem("fcm85_f11", "mesh.cells=150", "time.end=1.0", "beam.F20=3e11",
                      "output.interval=0.1", "rezone.enabled=false")
    contact = shock_contact(run)
    fast = np.isfinite(contact.mach) & (contact.mach > 2.5)
    assert np.count_nonzero(fast) >= 3
    assert np.all(np.abs(contact.contact[fast]) < 0.2), contact.contact[fast]
    assert np.all(contact.net_force_run[fast] > 0.7 * contact.net_force_model[fast])


def test_subsonic_condensation_is_in_pressure_contact_and_no_longer_pushed(run_problem):
    """fcm85_f11 after the beam (t > 6 s): once the slab is subsonic (Mach < 1.1) the
    pressure ahead has reached the driver plus the slab's weight (contact > 0.9), so the
    run's net force is <= 0 while Fisher's (F3) would still push (> 0)."""
    run = run_problem("fcm85_f11", "mesh.cells=200", "time.end=16.0")
    contact = shock_contact(run)
    slow = (np.isfinite(contact.mach) & (contact.mach < 1.1) & (contact.times > 6.0))
    assert np.count_nonzero(slow) >= 3
    assert np.all(contact.contact[slow] > 0.9), contact.contact[slow]
    assert np.all(contact.net_force_run[slow] <= 0.0)
    assert np.all(contact.net_force_model[slow] > 0.0)
