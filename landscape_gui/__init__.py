"""Landscape: see z = f(x, y) as a landscape and walk down it."""

__version__ = "0.1.0"
