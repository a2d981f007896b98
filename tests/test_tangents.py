"""Jacobians along tangents of the input manifold, the reverse-mode fallback, and local-PCA tangents."""

import re
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from netequiv.chapters.nets import mlp
from netequiv.observation import estimate_tangents, jacobian, observe

# --------------------------------------------------------------------------- known curves


def helix(t):
    """x(t) = (cos t, sin t, 0.3 t) and its unit tangent dx/dt / |dx/dt| (|dx/dt| = sqrt(1.09))."""
    x = np.c_[np.cos(t), np.sin(t), 0.3 * t]
    dx = np.c_[-np.sin(t), np.cos(t), np.full_like(t, 0.3)]
    return x, dx / np.sqrt(1.09)


def blob_images(theta, width=1.5, radius=4.0):
    """16 x 16 Gaussian blobs whose centre runs on a circle, shape (N, 1, 16, 16), and d image / d theta."""
    rows, cols = np.mgrid[0:16, 0:16].astype(float)
    cx = 7.5 + radius * np.cos(theta)[:, None, None]
    cy = 7.5 + radius * np.sin(theta)[:, None, None]
    img = np.exp(-((cols - cx) ** 2 + (rows - cy) ** 2) / (2 * width**2))
    # d/dtheta exp(-|p - c|^2 / 2w^2) = img * (p - c) . c'(theta) / w^2, c' = radius (-sin, cos)
    dcx = -radius * np.sin(theta)[:, None, None]
    dcy = radius * np.cos(theta)[:, None, None]
    dimg = img * ((cols - cx) * dcx + (rows - cy) * dcy) / width**2
    return img[:, None], dimg[:, None]


def unit_tangent(dimg):
    flat = dimg.reshape(len(dimg), -1)
    return flat / np.linalg.norm(flat, axis=1, keepdims=True)


def tiny_convnet(seed=0):
    torch.manual_seed(seed)
    net = torch.nn.Sequential()
    net.add_module("conv", torch.nn.Conv2d(1, 4, 3, padding=1))
    net.add_module("act", torch.nn.Tanh())
    net.add_module("flat", torch.nn.Flatten())
    net.add_module("fc", torch.nn.Linear(4 * 16 * 16, 3))
    return net.double()


def rel_err(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


# --------------------------------------------------------------------------- J T on a helix


@pytest.fixture(scope="module")
def helix_data():
    t = np.linspace(0.0, 4 * np.pi, 60)
    x, tangent = helix(t)
    return t, x, tangent


def test_helix_tangent_jacobian_equals_full_jacobian_times_tangent(helix_data):
    _, x, tangent = helix_data
    net = mlp(3, 2, hidden=(16, 16), activation="tanh", seed=3)
    T = tangent[:, :, None]
    for layers in (None, {"act1": None}):  # d = 2 and d = 18 features, both > n = 1: forward mode
        along = observe(net, x, layers=layers, jacobian=True, tangents=T)
        full = observe(net, x, layers=layers, jacobian=True)
        assert along.jac.shape == (60, full.n_features, 1) and along.jacobian_mode == "forward"
        np.testing.assert_array_equal(along.y, full.y)
        # same arithmetic in a different order: agreement to a few float64 roundings (measured <= 2.2e-16)
        assert np.abs(along.jac - full.jac @ T).max() <= 1e-10
    # one output and one direction (n = d = 1): reverse mode pulls the single cotangent
    net1 = mlp(3, 1, hidden=(16, 16), activation="tanh", seed=4)
    along1 = observe(net1, x, jacobian=True, tangents=T)
    assert along1.jacobian_mode == "reverse"
    assert np.abs(along1.jac - observe(net1, x, jacobian=True).jac @ T).max() <= 1e-10
    # jacobian() shares the code path
    np.testing.assert_allclose(
        jacobian(net, x, tangents=T), observe(net, x, jacobian=True, tangents=T).jac, rtol=0, atol=1e-15
    )


def test_helix_tangent_jacobian_matches_derivative_along_the_curve(helix_data):
    t, x, tangent = helix_data
    net = mlp(3, 2, hidden=(16, 16), activation="tanh", seed=3)
    along = observe(net, x, jacobian=True, tangents=tangent[:, :, None]).jac[:, :, 0]
    h = 1e-5
    dy_dt = (observe(net, helix(t + h)[0]).y - observe(net, helix(t - h)[0]).y) / (2 * h)
    fd = dy_dt / np.sqrt(1.09)  # d y(t)/dt / |dx/dt|
    # central differences: truncation ~ h^2 |y'''| ~ 1e-10, round-off ~ eps / h ~ 1e-11 (measured 7e-11)
    assert rel_err(along, fd) <= 1e-8
    assert np.abs(along).max() > 0.05  # not trivially small (max |J t| = 0.10)


def test_two_dimensional_tangent_bases(helix_data):
    _, x, _ = helix_data
    net = mlp(3, 2, hidden=(16,), activation="tanh", seed=5)
    Q = np.linalg.qr(np.random.default_rng(0).normal(size=(60, 3, 2)))[0]  # (60, 3, 2) orthonormal columns
    along = observe(net, x, layers=["act1"], jacobian=True, tangents=Q)
    full = observe(net, x, layers=["act1"], jacobian=True)
    assert along.jac.shape == (60, 18, 2)
    assert np.abs(along.jac - full.jac @ Q).max() <= 1e-10
    # with the whole of R^3 as "tangent space" the restricted Jacobian is the full one
    eye = np.broadcast_to(np.eye(3), (60, 3, 3))
    np.testing.assert_allclose(
        observe(net, x, jacobian=True, tangents=eye).jac, observe(net, x, jacobian=True).jac, rtol=0, atol=1e-15
    )


# --------------------------------------------------------------------------- J t on a curve of images


def test_image_curve_tangent_jacobian_matches_finite_differences(record_property):
    N = 48
    theta = np.linspace(0.0, 2 * np.pi, N, endpoint=False)
    img, dimg = blob_images(theta)
    speed = np.linalg.norm(dimg.reshape(N, -1), axis=1)
    T = unit_tangent(dimg)[:, :, None]  # (N, 256, 1)
    net = tiny_convnet()

    along = observe(net, img, jacobian=True, tangents=T)
    assert along.jac.shape == (N, 3, 1) and along.jacobian_mode == "forward"
    # tangents may also carry the image axes: (N, 1, 16, 16, 1)
    same = observe(net, img, jacobian=True, tangents=T.reshape(N, 1, 16, 16, 1))
    np.testing.assert_array_equal(same.jac, along.jac)

    h = 1e-5
    fd = (observe(net, blob_images(theta + h)[0]).y - observe(net, blob_images(theta - h)[0]).y) / (2 * h)
    fd /= speed[:, None]  # derivative per unit length of the image curve
    err = rel_err(along.jac[:, :, 0], fd)
    record_property("image_fd_rel_err", float(err))  # plain floats cross to xdist workers
    assert err <= 1e-8  # measured 2e-10

    # the full Jacobian over all 256 pixels, times the tangent, is the same number
    full = observe(net, img, jacobian=True)
    assert full.jac.shape == (N, 3, 256)
    assert np.abs(along.jac - full.jac @ T).max() <= 1e-12
    # and the same through jacobian()
    np.testing.assert_allclose(jacobian(net, img, tangents=T), along.jac, rtol=0, atol=1e-15)

    # timing only reported, never asserted: observing the 1024 hidden units makes the full
    # Jacobian push 256 pixel tangents where the restricted one pushes a single tangent
    for name, layers in (("outputs", None), ("hidden", ["act"])):
        ratio = []
        for _ in range(2):
            t0 = time.perf_counter()
            observe(net, img, layers=layers, jacobian=True, tangents=T)
            t1 = time.perf_counter()
            observe(net, img, layers=layers, jacobian=True)
            t2 = time.perf_counter()
            ratio.append((t2 - t1) / (t1 - t0))
        record_property(f"full_over_tangent_time_{name}", float(max(ratio)))


# --------------------------------------------------------------------------- reverse-mode fallback


def _affine_grid(theta, size):
    """affine_grid(theta, (B, 1, size, size), align_corners=False) from plain torch operations."""
    c = (2 * torch.arange(size, dtype=theta.dtype) + 1) / size - 1
    X, Y = c[None, :].expand(size, size), c[:, None].expand(size, size)
    base = torch.stack([X, Y, torch.ones_like(X)], dim=-1)  # (size, size, 3)
    return torch.einsum("hwk,bjk->bhwj", base, theta)


class PoseWarp(torch.nn.Module):
    """x = (angle, shift) rotates and shifts a fixed 8 x 8 image (grid_sample), then Linear -> 5."""

    def __init__(self):
        super().__init__()
        c = torch.linspace(-1, 1, 8)
        self.register_buffer("img", torch.exp(-(c[:, None] ** 2 + (c[None, :] - 0.2) ** 2) / 0.3)[None, None])
        torch.manual_seed(0)
        self.lin = torch.nn.Linear(64, 5)

    def forward(self, x):
        B = x.shape[0]
        cos, sin, shift = torch.cos(x[:, 0]), torch.sin(x[:, 0]), x[:, 1]
        theta = torch.stack([torch.stack([cos, -sin, shift], 1), torch.stack([sin, cos, 0 * shift], 1)], 1)
        warped = F.grid_sample(self.img.expand(B, 1, 8, 8), _affine_grid(theta, 8), align_corners=False)
        return self.lin(warped.reshape(B, -1))


class ImageWarp(torch.nn.Module):
    """A fixed affine warp of the input image (grid_sample), then Linear -> 3."""

    def __init__(self):
        super().__init__()
        theta = torch.tensor([[[0.9, -0.2, 0.05], [0.25, 0.95, -0.1]]])
        self.register_buffer("grid", _affine_grid(theta, 8))
        torch.manual_seed(1)
        self.lin = torch.nn.Linear(64, 3)

    def forward(self, img):
        B = img.shape[0]
        warped = F.grid_sample(img, self.grid.expand(B, 8, 8, 2), align_corners=False)
        return self.lin(warped.reshape(B, -1))


def test_torch_has_no_forward_mode_derivative_for_grid_sample():
    # the premise of the fallback: torch 2.x raises NotImplementedError for forward AD through grid_sample
    net = ImageWarp().double()
    x = torch.rand(1, 1, 8, 8, dtype=torch.float64)
    with pytest.raises(NotImplementedError, match="forward AD with grid_sampler_2d"):
        torch.func.jvp(net, (x,), (torch.ones_like(x),))


def test_reverse_mode_fallback_matches_finite_differences():
    net = PoseWarp().double()
    x = np.random.default_rng(2).uniform(-0.4, 0.4, size=(10, 2))
    obs = observe(net, x, jacobian=True)  # n = 2 < d = 5 would choose forward mode
    assert obs.jacobian_mode == "reverse" and obs.jac.shape == (10, 5, 2)
    h = 1e-6
    fd = np.stack([(observe(net, x + h * e).y - observe(net, x - h * e).y) / (2 * h) for e in np.eye(2)], axis=-1)
    # bilinear sampling is piecewise quadratic in (angle, shift): central differences are exact
    # inside a piece up to round-off eps / h ~ 1e-10 (measured 1e-10 in norm, 1e-7 per entry)
    np.testing.assert_allclose(obs.jac, fd, rtol=1e-5, atol=1e-9)
    assert np.abs(obs.jac).max() > 0.1
    np.testing.assert_allclose(jacobian(net, x), obs.jac, rtol=0, atol=1e-15)


def test_reverse_mode_fallback_along_image_tangents():
    net = ImageWarp().double()
    rng = np.random.default_rng(3)
    img = rng.uniform(size=(6, 1, 8, 8))
    T = np.linalg.qr(rng.normal(size=(6, 64, 2)))[0]
    obs = observe(net, img, jacobian=True, tangents=T)  # n = 2 < d = 3: forward first, then reverse
    assert obs.jacobian_mode == "reverse" and obs.jac.shape == (6, 3, 2)
    full = observe(net, img, jacobian=True)  # n = 64 > d = 3: reverse from the start
    assert full.jacobian_mode == "reverse"
    assert np.abs(obs.jac - full.jac @ T).max() <= 1e-12
    # the network is linear in the image, so central differences along T are exact up to round-off
    h = 1e-4
    steps = [h * T[:, :, k].reshape(img.shape) for k in range(2)]
    fd = np.stack([(observe(net, img + s).y - observe(net, img - s).y) / (2 * h) for s in steps], axis=-1)
    np.testing.assert_allclose(obs.jac, fd, rtol=1e-5, atol=1e-10)


def test_reverse_mode_fallback_for_custom_function_without_jvp():
    class Cube(torch.autograd.Function):
        generate_vmap_rule = True

        @staticmethod
        def forward(u):
            return u**3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            (u,) = ctx.saved_tensors
            return 3 * u**2 * g

    x = np.random.default_rng(4).normal(size=(7, 2))
    J = jacobian(lambda u: torch.cat([Cube.apply(u), u.sum(1, keepdim=True)], dim=1), x)  # n = 2 < d = 3
    expected = np.zeros((7, 3, 2))
    expected[:, 0, 0], expected[:, 1, 1] = 3 * x[:, 0] ** 2, 3 * x[:, 1] ** 2
    expected[:, 2] = 1.0
    np.testing.assert_allclose(J, expected, rtol=1e-14)


def test_other_errors_in_forward_mode_are_not_swallowed():
    class FailsLater(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 4)
            self.calls = 0

        def forward(self, u):
            self.calls += 1
            if self.calls > 1:  # the trial evaluation passes, the differentiation fails
                raise RuntimeError("boom in the second call")
            return self.lin(u)

    with pytest.raises(RuntimeError, match="boom in the second call"):
        observe(FailsLater().double(), np.zeros((3, 2)), jacobian=True)


# --------------------------------------------------------------------------- estimate_tangents


def test_estimated_helix_tangents_agree_with_the_exact_ones():
    t = np.linspace(0.0, 4 * np.pi, 200)
    x, exact = helix(t)
    T = estimate_tangents(x, 1)
    assert T.shape == (200, 3, 1)
    np.testing.assert_allclose(np.linalg.norm(T[:, :, 0], axis=1), 1.0, rtol=1e-12)
    cos = np.sum(T[:, :, 0] * exact, axis=1)
    # interior points (full two-sided neighbourhoods of k = 10): measured 1 - |cos| <= 6e-6
    assert np.abs(cos[10:-10]).min() > 0.999
    assert np.abs(cos[10:-10]).min() > 1 - 1e-4
    # consistently oriented along the curve: all tangents point the same way (ends included)
    assert np.all(cos > 0) or np.all(cos < 0)
    # the root (sample 0) has its largest-magnitude entry positive
    assert T[0, np.argmax(np.abs(T[0, :, 0])), 0] > 0


def test_estimated_image_tangents_agree_with_the_exact_derivative():
    N = 200
    theta = np.linspace(0.0, 2 * np.pi, N, endpoint=False)
    img, dimg = blob_images(theta)
    exact = unit_tangent(dimg)
    T = estimate_tangents(img, 1)  # (N, 1, 16, 16) read as N points of R^256
    assert T.shape == (N, 256, 1)
    cos = np.sum(T[:, :, 0] * exact, axis=1)
    assert np.abs(cos).min() > 0.999  # measured 0.99955 (k = 10 neighbours spanning 18 degrees)
    assert np.all(cos > 0) or np.all(cos < 0)  # one orientation around the closed curve
    # a smaller neighbourhood sees less curvature: measured 0.99998 with k = 4
    assert np.abs(np.sum(estimate_tangents(img, 1, n_neighbors=4)[:, :, 0] * exact, axis=1)).min() > 0.9999
    # estimated tangents in observe: J t close to the exact one, with the same sign
    net = tiny_convnet()
    Jt_est = observe(net, img[::10], jacobian=True, tangents=T[::10]).jac
    Jt_exact = observe(net, img[::10], jacobian=True, tangents=exact[::10, :, None]).jac
    s = np.sign(cos[0])
    assert rel_err(s * Jt_est, Jt_exact) < 0.05  # measured 0.027, the size of the angle error


def test_estimated_plane_frames_are_exact_and_aligned():
    # samples of a 2-D plane in R^5: every neighbourhood spans the plane exactly, and after the
    # Procrustes alignment all frames coincide
    rng = np.random.default_rng(6)
    basis = np.linalg.qr(rng.normal(size=(5, 2)))[0]
    x = rng.uniform(-1, 1, size=(150, 2)) @ basis.T + 0.3
    T = estimate_tangents(x, 2, n_neighbors=8)
    assert T.shape == (150, 5, 2)
    gram = np.transpose(T, (0, 2, 1)) @ T
    np.testing.assert_allclose(gram, np.broadcast_to(np.eye(2), gram.shape), atol=1e-12)
    np.testing.assert_allclose(T - basis @ (basis.T @ T), 0.0, atol=1e-12)  # inside the plane
    np.testing.assert_allclose(T, np.broadcast_to(T[0], T.shape), atol=1e-10)  # one frame everywhere


def test_estimate_tangents_errors():
    x = helix(np.linspace(0, 1, 20))[0]
    with pytest.raises(ValueError, match=re.escape("n_neighbors=20 must be smaller than the number of samples N=20")):
        estimate_tangents(x, 1, n_neighbors=20)
    with pytest.raises(ValueError, match=re.escape("n_intrinsic=3 must be smaller than the input dimension 3")):
        estimate_tangents(x, 3)
    with pytest.raises(ValueError, match=re.escape("n_neighbors=1 is too small for n_intrinsic=2")):
        estimate_tangents(x, 2, n_neighbors=1)
    with pytest.raises(ValueError, match="n_intrinsic must be an integer >= 1"):
        estimate_tangents(x, 0)
    with pytest.raises(ValueError, match="n_neighbors must be an integer >= 1"):
        estimate_tangents(x, 1, n_neighbors=2.5)
    with pytest.raises(ValueError, match=re.escape("x has 2 samples; an 2-dimensional tangent space needs at least 3")):
        estimate_tangents(x[:2], 2)
    with pytest.raises(ValueError, match="x contains NaN or inf"):
        estimate_tangents(np.where(x > 0.5, np.nan, x), 1)
    # the default k is capped at N - 1 for small samples
    assert estimate_tangents(x[:5], 1).shape == (5, 3, 1)


# --------------------------------------------------------------------------- tangent validation


def test_tangent_shape_and_value_errors():
    net = mlp(3, 2, hidden=(8,), seed=0)
    x = np.random.default_rng(0).normal(size=(5, 3))
    T = np.ones((5, 3, 1)) / np.sqrt(3)
    with pytest.raises(ValueError, match=r"tangents is only used with jacobian=True"):
        observe(net, x, tangents=T)
    with pytest.raises(ValueError, match=r"tangents has 4 samples but x has 5; pass one tangent basis per input"):
        observe(net, x, jacobian=True, tangents=T[:4])
    with pytest.raises(ValueError, match=r"lacks the last axis of tangent directions; .* tangents\[\.\.\., None\]"):
        observe(net, x, jacobian=True, tangents=T[:, :, 0])
    with pytest.raises(ValueError, match=re.escape("tangents must have shape (N, 3, n) = (n_samples, n_inputs, n_")):
        observe(net, x, jacobian=True, tangents=np.ones((5, 4, 1)))
    with pytest.raises(ValueError, match=r"no tangent directions"):
        observe(net, x, jacobian=True, tangents=np.ones((5, 3, 0)))
    with pytest.raises(ValueError, match=r"tangents has 4 directions but the inputs have only 3 coordinates"):
        observe(net, x, jacobian=True, tangents=np.ones((5, 3, 4)))
    bad = T.copy()
    bad[2, 1, 0] = np.inf
    with pytest.raises(ValueError, match=re.escape("tangents contains NaN or inf in 1 sample(s) (first at row 2)")):
        observe(net, x, jacobian=True, tangents=bad)
    with pytest.raises(ValueError, match="tangents must hold real numbers"):
        jacobian(net, x, tangents=T.astype(complex))
    with pytest.raises(ValueError, match="tangents must hold real numbers"):
        jacobian(net, x, tangents=[["a"]] * 5)
    # image inputs: both layouts are named in the message
    imgs = np.zeros((5, 1, 4, 4))
    conv = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2)).double()
    with pytest.raises(ValueError, match=re.escape("tangents must have shape (N, *(1, 4, 4), n) or (N, 16, n)")):
        observe(conv, imgs, jacobian=True, tangents=np.ones((5, 1, 4, 5, 1)))
    with pytest.raises(ValueError, match=r"lacks the last axis"):
        observe(conv, imgs, jacobian=True, tangents=np.ones((5, 1, 4, 4)))
    assert observe(conv, imgs, jacobian=True, tangents=np.ones((5, 1, 4, 4, 2))).jac.shape == (5, 2, 2)


def test_blockwise_neighbour_search_matches_a_full_sort():
    from netequiv.observation import _knn

    X = np.random.default_rng(7).normal(size=(57, 4))
    D = np.linalg.norm(X[:, None] - X[None], axis=-1)
    np.fill_diagonal(D, np.inf)
    expected = np.argsort(D, axis=1, kind="stable")[:, :6]
    idx, dist = _knn(X, 6, max_block_bytes=8 * 57 * 5)  # blocks of 5 rows
    np.testing.assert_array_equal(idx, expected)
    np.testing.assert_allclose(dist, np.take_along_axis(D, expected, axis=1), rtol=1e-14)
