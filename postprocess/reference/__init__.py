"""Analytic and semi-analytic reference solutions used to verify the solver."""
