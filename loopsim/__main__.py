"""``python -m loopsim``: the ``loopsim`` command.

Needed where the command must run as a module, e.g. on MPI workers started by
``mpiexec -n 8 python -m mpi4py.futures -m loopsim sweep SWEEP.toml -o DIR``. The guard
matters there: mpi4py.futures imports this module on every worker under another name,
and only the master (rank 0) runs the command.
"""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
