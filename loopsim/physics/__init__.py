"""Physics terms: small array-in/array-out numba kernels, one module per term."""
