"""Time one evaluation of the step residual of a flare state, and its parts.

    python benchmarks/bench_residual.py [--problem fcm85_f11] [--time 3.0] [--calls 2000]

Runs ``--problem`` to ``--time`` seconds (the beam-heated loop, a few hundred cells), then
times ``equations.residual`` at that state (the Newton iterations' and the coloured
Jacobian's unit of work: ~10 evaluations per Jacobian) with everything on and with the
radiation or conduction switched off, so the difference is each term's share.  Process
CPU time per call in microseconds (steadier than wall time on a shared machine).  Record
results in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from loopsim import equations as eq
from loopsim.config import load_config
from loopsim.driver import Simulation
from loopsim.physics.viscosity import limiter


def time_per_call(func, *args, calls: int) -> float:
    """Process CPU time per call (microseconds) after one warm-up call."""
    func(*args)
    start = time.process_time()
    for _ in range(calls):
        func(*args)
    return (time.process_time() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problem", default="fcm85_f11")
    parser.add_argument("--time", type=float, default=3.0, help="state time (s)")
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = load_config(args.problem, [f"time.end={args.time}"])
        sim = Simulation(config, Path(tmp) / "state.h5", progress=False)
        sim.run()
        stepper, state = sim.stepper, sim.state
        old = stepper.level(state)
        dt = 1e-3
        source, ion_rate, _ = sim.sources.for_step(state, old, state.t, dt, sim.background)
        n, b = state.cells, stepper.block
        par = stepper.par.copy()
        par[eq.PR_DT] = dt
        psi = limiter(state.u, state.x)
        y = np.empty(b * (n + 1))
        eq.explicit_predictor(old, state.u, state.theta, state.xi, state.dm, state.node_mass,
                              stepper.flags, par, y)
        out = np.empty_like(y)
        print(f"{args.problem} at t = {state.t:g} s: {n} cells")
        for label, switch in (("everything", None), ("radiation off", eq.FL_RADIATION),
                              ("conduction off", eq.FL_CONDUCTION)):
            flags = stepper.flags.copy()
            if switch is not None:
                flags[switch] = 0
            micro = time_per_call(eq.residual, y, old, state.u, state.xi, state.dm,
                                  state.node_mass, psi, source, ion_rate, flags, par, out,
                                  calls=args.calls)
            print(f"residual, {label}: {micro:.1f} us per call ({1e3 * micro / n:.0f} ns per cell)")


if __name__ == "__main__":
    main()
