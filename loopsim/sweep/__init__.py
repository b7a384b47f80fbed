"""Parameter sweeps: many runs of one base problem, a manifest, resume, MPI (DESIGN §5).

>>> spec = load_sweep("sweep_f20_delta_ci")                       # doctest: +SKIP
>>> result = run_sweep(spec, "out", jobs=2)                       # doctest: +SKIP
>>> read_manifest("out").table()["status"]                        # doctest: +SKIP

The sweep file format is described in :mod:`loopsim.sweep.spec`, the manifest in
:mod:`loopsim.sweep.manifest`, scheduling, fault isolation and resume in
:mod:`loopsim.sweep.execute`, and all of it for users in docs/sweeps.md. ``loopsim``
never imports ``postprocess``: derived scalars come from a summariser function passed in
by the command line (``loopsim sweep``).
"""

from .execute import (
    MPI_INSTALL_HINT,
    MPIUnavailable,
    PostStage,
    Summariser,
    SweepResult,
    execute_member,
    make_executor,
    mpi_launched,
    run_sweep,
)
from .manifest import DONE, FAILED, PENDING, RUNNING, Manifest, MemberRecord, read_manifest
from .spec import (
    Axis,
    Member,
    SweepError,
    SweepSpec,
    find_sweep,
    list_sweeps,
    load_sweep,
    member_config,
    parse_sweep,
)

__all__ = [
    "DONE",
    "FAILED",
    "MPI_INSTALL_HINT",
    "PENDING",
    "RUNNING",
    "Axis",
    "MPIUnavailable",
    "Manifest",
    "Member",
    "MemberRecord",
    "PostStage",
    "Summariser",
    "SweepError",
    "SweepResult",
    "SweepSpec",
    "execute_member",
    "find_sweep",
    "list_sweeps",
    "load_sweep",
    "make_executor",
    "member_config",
    "mpi_launched",
    "parse_sweep",
    "read_manifest",
    "run_sweep",
]
