"""Observations, exact Jacobians and burst sampling of torch networks (netequiv.observe)."""

import re

import numpy as np
import pytest
import torch

from netequiv.chapters.nets import mlp
from netequiv.observation import Observation, burst_observations, jacobian, observe


@pytest.fixture(scope="module")
def net():
    return mlp(2, 2, hidden=(16, 16, 16), activation="tanh", seed=1)


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(0).uniform(-1.0, 1.0, size=(40, 2))


def central_differences(f, x, h=1e-5):
    """(N, d, n) central finite differences of a vectorised numpy map f: (N, n) -> (N, d)."""
    cols = []
    for b in range(x.shape[1]):
        e = np.zeros(x.shape[1])
        e[b] = h
        cols.append((f(x + e) - f(x - e)) / (2 * h))
    return np.stack(cols, axis=-1)


def rel_err(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


# --------------------------------------------------------------------------- observe


def test_shapes_names_and_values(net, x):
    obs = observe(net, x, layers={"act2": [0, 3, 7], "fc1": None}, jacobian=True)
    assert isinstance(obs, Observation)
    assert obs.y.shape == (40, 3 + 16 + 2) and obs.jac.shape == (40, 21, 2)
    assert obs.n_samples == 40 and obs.n_features == 21
    assert obs.names[:4] == ["act2[0]", "act2[3]", "act2[7]", "fc1[0]"]
    assert obs.names[-3:] == ["fc1[15]", "output[0]", "output[1]"]
    assert obs.y.dtype == np.float64 and obs.jac.dtype == np.float64
    with torch.no_grad():
        xt = torch.as_tensor(x)
        act2 = net[:4](xt).numpy()  # fc1, act1, fc2, act2
        fc1 = net[:1](xt).numpy()
        out = net(xt).numpy()
    np.testing.assert_allclose(obs.y[:, :3], act2[:, [0, 3, 7]], rtol=0, atol=1e-14)
    np.testing.assert_allclose(obs.y[:, 3:19], fc1, rtol=0, atol=1e-14)
    np.testing.assert_allclose(obs.y[:, 19:], out, rtol=0, atol=1e-14)
    # fc1 is affine: its Jacobian is its weight matrix at every sample
    np.testing.assert_allclose(
        obs.jac[:, 3:19], np.broadcast_to(net.fc1.weight.detach().numpy(), (40, 16, 2)), atol=1e-15
    )


def test_jacobian_matches_central_differences(net, x):
    layers = {"act2": [1, 4, 9, 15], "act3": [0, 2]}
    obs = observe(net, x, layers=layers, jacobian=True)

    def f(u):
        return observe(net, u, layers=layers).y

    fd = central_differences(f, x)
    # central differences in float64 with h = 1e-5: truncation ~ h^2 |f'''| ~ 1e-10,
    # round-off ~ eps / h ~ 1e-11, both far below the 1e-6 asked for
    assert rel_err(obs.jac, fd) <= 1e-6
    per_sample = np.linalg.norm(obs.jac - fd, axis=(1, 2)) / np.linalg.norm(fd, axis=(1, 2))
    assert per_sample.max() <= 1e-6
    # the Jacobian is not trivially small: tanh layers of a random net have O(0.1-1) slopes
    assert np.abs(obs.jac).max() > 0.1


def test_reverse_mode_path_matches_central_differences():
    # d = 1 output <= n = 3 inputs selects jacrev
    net3 = mlp(3, 1, hidden=(8, 8), activation="silu", seed=4)
    x3 = np.random.default_rng(1).normal(size=(25, 3))
    obs = observe(net3, x3, jacobian=True)
    assert obs.jac.shape == (25, 1, 3) and obs.names == ["output[0]"]
    fd = central_differences(lambda u: observe(net3, u).y, x3)
    assert rel_err(obs.jac, fd) <= 1e-6


def test_layer_list_negative_index_and_output_only(net, x):
    obs = observe(net, x, layers=["act1"], output=False)
    assert obs.names == [f"act1[{i}]" for i in range(16)] and obs.jac is None
    obs = observe(net, x, layers={"act3": [-1]}, output=False)
    assert obs.names == ["act3[15]"]
    assert observe(net, x).names == ["output[0]", "output[1]"]


def test_scalar_input_accepts_1d_x():
    net1 = mlp(1, 1, hidden=(8, 8), seed=0)
    obs = observe(net1, np.linspace(0, 1, 11), layers={"act2": [0, 3]}, jacobian=True)
    assert obs.y.shape == (11, 3) and obs.jac.shape == (11, 3, 1)


def test_batching_does_not_change_results(net, x):
    a = observe(net, x, layers=["act2"], jacobian=True)
    b = observe(net, x, layers=["act2"], jacobian=True, batch_size=7)
    # identical up to the last bit of float64 (BLAS may block different batch sizes differently)
    np.testing.assert_allclose(a.y, b.y, rtol=0, atol=1e-15)
    np.testing.assert_allclose(a.jac, b.jac, rtol=0, atol=1e-15)


def test_callers_model_is_untouched(x):
    net32 = mlp(2, 1, hidden=(8, 8), seed=2, dtype="float32")
    net32.train()
    before = {k: v.clone() for k, v in net32.state_dict().items()}
    obs = observe(net32, x, layers=["act1"], jacobian=True)
    assert obs.y.dtype == np.float64
    assert net32.training and net32.fc1.weight.dtype == torch.float32
    assert all(torch.equal(before[k], v) for k, v in net32.state_dict().items())
    assert all(len(m._forward_hooks) == 0 for m in net32.modules())
    assert all(p.requires_grad for p in net32.parameters())
    # float32 evaluation on request
    obs32 = observe(net32, x, dtype="float32")
    assert obs32.y.dtype == np.float32
    np.testing.assert_allclose(obs32.y, obs.y[:, -1:], rtol=1e-5, atol=1e-6)


def test_dropout_is_off_so_observations_are_deterministic(x):
    drop = torch.nn.Sequential(torch.nn.Linear(2, 32), torch.nn.Dropout(0.5), torch.nn.Linear(32, 1)).double()
    drop.train()
    np.testing.assert_array_equal(observe(drop, x).y, observe(drop, x).y)


# --------------------------------------------------------------------------- jacobian


def test_jacobian_of_callable_is_exact():
    def f(u):
        return torch.stack([u[:, 0] * u[:, 1], torch.sin(u[:, 0]), u[:, 1] ** 3], dim=1)

    x = np.random.default_rng(3).normal(size=(30, 2))
    J = jacobian(f, x)
    expected = np.zeros((30, 3, 2))
    expected[:, 0, 0], expected[:, 0, 1] = x[:, 1], x[:, 0]
    expected[:, 1, 0] = np.cos(x[:, 0])
    expected[:, 2, 1] = 3 * x[:, 1] ** 2
    np.testing.assert_allclose(J, expected, rtol=1e-14, atol=1e-15)
    # reverse mode (d = 1 < n = 2) on a scalar-valued function returning shape (B,)
    Jr = jacobian(lambda u: (u**2).sum(dim=1), x, batch_size=4)
    np.testing.assert_allclose(Jr, 2 * x[:, None, :], rtol=1e-14)


def test_jacobian_of_module_matches_observe(net, x):
    np.testing.assert_allclose(jacobian(net, x), observe(net, x, jacobian=True).jac, rtol=0, atol=1e-15)


# --------------------------------------------------------------------------- bursts


def _field(u):
    return np.c_[np.sin(u[:, 0]) + u[:, 1] ** 2, u[:, 0] * u[:, 1], np.tanh(u[:, 0] - u[:, 1])]


def _field_jac(u):
    J = np.zeros((len(u), 3, 2))
    J[:, 0, 0], J[:, 0, 1] = np.cos(u[:, 0]), 2 * u[:, 1]
    J[:, 1, 0], J[:, 1, 1] = u[:, 1], u[:, 0]
    s = 1 - np.tanh(u[:, 0] - u[:, 1]) ** 2
    J[:, 2, 0], J[:, 2, 1] = s, -s
    return J


def _burst_metric_error(bursts, sigma, J):
    C_true = J @ np.transpose(J, (0, 2, 1))
    errs = []
    for b, C in zip(bursts, C_true):
        C_hat = np.cov(b, rowvar=False) / sigma**2
        errs.append(np.linalg.norm(C_hat - C) / np.linalg.norm(C))
    return np.array(errs)


def test_burst_covariance_approaches_JJT():
    x = np.array([[0.1, 0.5], [-0.7, 0.2], [0.9, -0.4], [0.3, 0.3]])
    sigma = 1e-3
    K = 20000
    bursts = burst_observations(_field, x, n_burst=K, sigma=sigma, random_state=5)
    assert bursts.shape == (4, K, 3)
    errs = _burst_metric_error(bursts, sigma, _field_jac(x))
    # E||C_hat - C||_F^2 = ((tr C)^2 + ||C||_F^2) / (K - 1) for Gaussian bursts, and
    # (tr C)^2 <= rank(C) ||C||_F^2 with rank(C) <= n = 2, so the relative error has
    # RMS <= sqrt(3 / (K - 1)) = 0.012; the O(sigma^2) bias is ~1e-6.  Allow 3 RMS.
    bound = 3 * np.sqrt(3 / (K - 1))
    assert errs.max() <= bound
    # and the estimate really converges: 100x fewer samples give a clearly larger error
    few = _burst_metric_error(
        burst_observations(_field, x, n_burst=200, sigma=sigma, random_state=5), sigma, _field_jac(x)
    )
    assert few.mean() > 3 * errs.mean()
    # bursts are centred on f(x_i): the mean is off by ~ sigma ||J|| / sqrt(K)
    centre_err = np.abs(bursts.mean(axis=1) - _field(x)).max()
    assert centre_err <= 5 * sigma * np.abs(_field_jac(x)).max() * np.sqrt(2 / K)


def test_burst_of_module_matches_autodiff_metric(net):
    x = np.array([[0.2, -0.3], [0.6, 0.1]])
    K, sigma = 20000, 1e-4
    bursts = burst_observations(net, x, n_burst=K, sigma=sigma, random_state=1)
    J = observe(net, x, jacobian=True).jac
    assert _burst_metric_error(bursts, sigma, J).max() <= 3 * np.sqrt(3 / (K - 1))


def test_bursts_are_seeded_and_batched_consistently():
    x = np.random.default_rng(0).normal(size=(5, 2))
    a = burst_observations(_field, x, n_burst=8, random_state=3)
    np.testing.assert_array_equal(a, burst_observations(_field, x, n_burst=8, random_state=3))
    np.testing.assert_array_equal(a, burst_observations(_field, x, n_burst=8, random_state=3, batch_size=7))
    assert not np.array_equal(a, burst_observations(_field, x, n_burst=8, random_state=4))
    # scalar outputs become d = 1
    assert burst_observations(lambda u: u[:, 0] ** 2, x, n_burst=4).shape == (5, 4, 1)


# --------------------------------------------------------------------------- errors


def test_observe_errors(net, x):
    with pytest.raises(ValueError, match=r"unknown layer 'act9'; valid module names .*fc1, act1, fc2"):
        observe(net, x, layers=["act9"])
    with pytest.raises(ValueError, match=re.escape("unit index 16 is out of range for layer 'act2' with 16 units")):
        observe(net, x, layers={"act2": [0, 16]})
    with pytest.raises(ValueError, match=r"unit indices for layer 'act2' must be a 1-D list of integers"):
        observe(net, x, layers={"act2": [0.5]})
    with pytest.raises(ValueError, match="no features selected"):
        observe(net, x, output=False)
    with pytest.raises(ValueError, match="no features selected"):
        observe(net, x, layers={"act2": []}, output=False)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"x contains NaN or inf in 1 sample\(s\) \(first at row 3\)"):
        observe(net, bad)
    with pytest.raises(ValueError, match=r"x must have shape \(n_samples, n_features\)"):
        observe(net, np.zeros((4, 2, 1)))
    with pytest.raises(ValueError, match=re.escape("x has 3 features but the model expects 2 inputs")):
        observe(net, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="model must be a torch.nn.Module, got function"):
        observe(lambda u: u, x)
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        observe(net, x, batch_size=0)
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
        observe(net, x, dtype="float16")
    with pytest.raises(ValueError, match="layers must be None, a list of module names or a dict"):
        observe(net, x, layers=3)


def test_observe_errors_for_unobservable_modules(x):
    class Odd(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = torch.nn.Linear(2, 4)
            self.act = torch.nn.Tanh()
            self.unused = torch.nn.Tanh()

        def forward(self, u):
            return self.act(self.act(self.lin(u)))

    odd = Odd().double()
    with pytest.raises(ValueError, match="layer 'unused' is not called during the forward pass"):
        observe(odd, x, layers=["unused"])
    with pytest.raises(ValueError, match="layer 'act' is called 2 times in one forward pass"):
        observe(odd, x, layers=["act"])
    assert observe(odd, x, layers=["lin"], jacobian=True).y.shape == (40, 8)


def test_jacobian_and_burst_errors(x):
    with pytest.raises(ValueError, match="func must be callable"):
        jacobian(3, x)
    with pytest.raises(ValueError, match="func could not be evaluated on x with 2 features"):
        jacobian(lambda u: u @ torch.ones(3, 1, dtype=u.dtype), x)
    with pytest.raises(ValueError, match="func must return a torch.Tensor"):
        jacobian(lambda u: u.numpy(), x)
    with pytest.raises(ValueError, match="func must be callable"):
        burst_observations("f", x)
    with pytest.raises(ValueError, match=r"n_burst must be an integer >= 2"):
        burst_observations(_field, x, n_burst=1)
    with pytest.raises(ValueError, match="sigma must be a finite number > 0"):
        burst_observations(_field, x, sigma=0.0)
    with pytest.raises(ValueError, match=re.escape("func returned shape (20, 3) for 1280 inputs")):
        burst_observations(lambda u: np.zeros((20, 3)), x)
    with pytest.raises(ValueError, match="func returned NaN or inf on the perturbed inputs"):
        burst_observations(lambda u: np.where(u > 0, u, np.nan), x)
    with pytest.raises(ValueError, match="func could not be evaluated on inputs of shape"):
        burst_observations(lambda u: u @ np.ones((3, 1)), x)
    with pytest.raises(ValueError, match="x contains NaN or inf"):
        burst_observations(_field, np.array([[0.0, np.inf]]))


def test_package_attribute_is_the_function_after_submodule_imports():
    import netequiv
    import netequiv.comparison  # imported for its side effect: the submodule attribute on the package
    import netequiv.observation

    assert callable(netequiv.observe) and netequiv.observe is netequiv.observation.observe


# --------------------------------------------------------------------------- modes, image inputs, chained errors


def test_jacobian_mode_is_recorded(net, x):
    assert observe(net, x).jacobian_mode is None
    assert observe(net, x, layers=["act1"], jacobian=True).jacobian_mode == "forward"  # n = 2 < d = 18
    assert observe(net, x, jacobian=True).jacobian_mode == "reverse"  # n = 2 = d


def test_image_shaped_inputs_give_jacobians_of_the_flattened_input():
    torch.manual_seed(0)
    conv = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Tanh(), torch.nn.Flatten(), torch.nn.Linear(8, 2))
    conv = conv.double()
    imgs = np.random.default_rng(0).uniform(size=(6, 1, 4, 4))
    obs = observe(conv, imgs, layers=["1"], jacobian=True)
    assert obs.y.shape == (6, 10) and obs.jac.shape == (6, 10, 16)
    # central differences pixel by pixel, through the flattened view
    fd = central_differences(lambda u: observe(conv, u.reshape(-1, 1, 4, 4), layers=["1"]).y, imgs.reshape(6, 16))
    assert rel_err(obs.jac, fd) <= 1e-6
    np.testing.assert_allclose(jacobian(conv, imgs), obs.jac[:, 8:], rtol=0, atol=1e-15)


class _Boom(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(2, 3)

    def forward(self, u):
        raise RuntimeError("boom")


def _frames(exc):
    import traceback

    return [frame.name for frame in traceback.extract_tb(exc.__traceback__)]


def test_errors_raised_by_the_model_are_chained(x):
    with pytest.raises(
        ValueError, match=re.escape("x has 2 features but the model could not be evaluated on it (RuntimeError: boom)")
    ) as info:
        observe(_Boom().double(), x, jacobian=True)
    cause = info.value.__cause__
    assert isinstance(cause, RuntimeError) and str(cause) == "boom"
    assert "forward" in _frames(cause)  # the traceback reaches the model's line that raised
    # image-shaped inputs: one ValueError naming the shapes, same chained cause
    msg = "the model could not be evaluated on x[:1] of shape (1, 2, 1, 1)"
    with pytest.raises(ValueError, match=re.escape(msg)) as info:
        observe(_Boom().double(), x[:, :, None, None])
    assert isinstance(info.value.__cause__, RuntimeError) and str(info.value.__cause__) == "boom"
    # a shape mismatch keeps torch's own error as the cause
    with pytest.raises(ValueError, match="x has 3 features but the model expects 2 inputs") as info:
        observe(_Boom().double(), np.zeros((4, 3)))
    assert isinstance(info.value.__cause__, RuntimeError)
    with pytest.raises(ValueError, match="x must have shape \\(n_samples, n_features\\)") as info:
        observe(mlp(2, 1, hidden=(4,), seed=0), np.zeros((4, 2, 1)))
    assert isinstance(info.value.__cause__, RuntimeError)


def test_errors_raised_by_callables_are_chained(x):
    def f(u):
        raise KeyError("user bug")

    with pytest.raises(ValueError, match=r"func could not be evaluated on x with 2 features \(KeyError") as info:
        jacobian(f, x)
    assert isinstance(info.value.__cause__, KeyError) and "f" in _frames(info.value.__cause__)
    with pytest.raises(ValueError, match="func could not be evaluated on inputs of shape") as info:
        burst_observations(f, x)
    assert isinstance(info.value.__cause__, KeyError)
