"""Seeded test manifolds for the benchmarks (numpy only: imported by both virtual environments).

Every generator returns the observations ``Y`` (N, d), the latent coordinates ``u`` (N, 2)
and the exact Jacobians ``J = dY/du`` (N, d, 2), so the Mahalanobis diffusion map can use the
exact local metric.
"""

from __future__ import annotations

import numpy as np


def swiss_roll(n: int, seed: int = 0):
    """A swiss roll in 3-D: t in [1.5 pi, 4.5 pi], height in [0, 21]."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=(n, 2))
    t = 1.5 * np.pi * (1.0 + 2.0 * u[:, 0])
    h = 21.0 * u[:, 1]
    Y = np.c_[t * np.cos(t), h, t * np.sin(t)]
    J = np.zeros((n, 3, 2))
    dt = 3.0 * np.pi
    J[:, 0, 0] = dt * (np.cos(t) - t * np.sin(t))
    J[:, 2, 0] = dt * (np.sin(t) + t * np.cos(t))
    J[:, 1, 1] = 21.0
    return Y, u, J


def smooth_10d(n: int, seed: int = 0, map_seed: int = 12345):
    """The unit square mapped into R^10 by a fixed random smooth injective map.

    ``Y = sin(u W + b) + u A`` with W ~ N(0, 1.5^2) and A ~ N(0, 1) of shape (2, 10); the linear
    part keeps the map injective.  The map is the same for every ``n`` (``map_seed``).
    """
    mrng = np.random.default_rng(map_seed)
    W = 1.5 * mrng.normal(size=(2, 10))
    b = mrng.uniform(0.0, 2.0 * np.pi, size=10)
    A = mrng.normal(size=(2, 10))
    u = np.random.default_rng(seed).uniform(size=(n, 2))
    z = u @ W + b
    Y = np.sin(z) + u @ A
    J = np.cos(z)[:, :, None] * W.T[None] + A.T[None]
    return Y, u, J


DATASETS = {"swissroll3d": swiss_roll, "smooth10d": smooth_10d}


def make(name: str, n: int, seed: int = 0):
    """``DATASETS[name](n, seed)``."""
    return DATASETS[name](n, seed)
