"""Named problem setups (TOML), installed as ``loopsim.problems``; see ``loopsim problems``."""
