"""Helpers shared by the tests: gradient checks, adjoint checks and the Keras reference."""
