"""Everything that reads a loopsim run file: synthesis, instrument model, analysis, plots."""
