"""Named MLPs, their training and the cached fits (netequiv.chapters.nets)."""

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from netequiv.chapters.cache import CacheWarning
from netequiv.chapters.nets import ACTIVATIONS, _fold_affine, fit_mlp, mlp, model_rmse, train_regressor
from netequiv.observation import observe


def _same_weights(a, b):
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


# --------------------------------------------------------------------------- mlp


def test_layer_names_types_and_shapes():
    net = mlp(2, 3, hidden=(8, 5, 4), activation="relu", seed=0)
    names = [name for name, _ in net.named_children()]
    assert names == ["fc1", "act1", "fc2", "act2", "fc3", "act3", "out"]
    assert isinstance(net.act2, torch.nn.ReLU) and isinstance(net.out, torch.nn.Linear)
    assert (net.fc1.in_features, net.fc1.out_features) == (2, 8)
    assert (net.fc2.in_features, net.fc2.out_features) == (8, 5)
    assert (net.out.in_features, net.out.out_features) == (4, 3)
    assert net.fc1.weight.dtype == torch.float64
    assert mlp(1, 1, hidden=(4,), dtype="float32").fc1.weight.dtype == torch.float32
    # "act2" is the second hidden layer after its nonlinearity: all ReLU outputs are >= 0
    obs = observe(net, np.random.default_rng(0).normal(size=(50, 2)), layers=["act2"], output=False)
    assert obs.y.shape == (50, 5) and obs.y.min() >= 0.0 and obs.names[0] == "act2[0]"


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation(name):
    net = mlp(1, 1, hidden=(3, 3), activation=name)
    assert type(net.act1) is ACTIVATIONS[name] and type(net.act2) is ACTIVATIONS[name]


def test_init_is_seeded_and_leaves_global_rng_alone():
    torch.manual_seed(123)
    state = torch.get_rng_state()
    a, b, c = mlp(2, 1, seed=7), mlp(2, 1, seed=7), mlp(2, 1, seed=8)
    assert torch.equal(torch.get_rng_state(), state)
    assert _same_weights(a, b) and not torch.equal(a.fc1.weight, c.fc1.weight)


def test_mlp_errors():
    with pytest.raises(
        ValueError,
        match=re.escape("unknown activation 'swish'; choose one of: tanh, relu, silu, gelu, sigmoid, softplus"),
    ):
        mlp(1, 1, activation="swish")
    with pytest.raises(ValueError, match="hidden layer widths must be positive integers"):
        mlp(1, 1, hidden=(8, 0))
    with pytest.raises(ValueError, match="hidden must name at least one hidden layer"):
        mlp(1, 1, hidden=())
    with pytest.raises(ValueError, match="in_dim must be an integer >= 1"):
        mlp(0, 1)
    with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
        mlp(1, 1, dtype="half")


# --------------------------------------------------------------------------- training


def test_quick_fit_reaches_stated_accuracy():
    # tanh(3x - 1) on [0, 1], 200 points, 2x16 tanh net, 200 Adam epochs + 100 L-BFGS
    # iterations: relative test RMSE ~1e-4 (seeds 0-2: 0.95e-4, 1.1e-4, 3.3e-4)
    x = np.linspace(0, 1, 200)[:, None]
    xt = np.random.default_rng(1).uniform(0, 1, (500, 1))
    net, info = fit_mlp(
        x, np.tanh(3 * x - 1), hidden=(16, 16), epochs=200, polish_iter=100, cache=False, progress=False
    )
    err = model_rmse(net, xt, np.tanh(3 * xt - 1))
    assert err["relative_rmse"] <= 1e-3
    assert info["train_relative_rmse"] <= 1e-3 and info["cache_hit"] is False and info["path"] == ""
    assert net.fc1.weight.dtype == torch.float64 and not net.training


def test_train_regressor_history_and_polish():
    x = np.linspace(-1, 1, 64)[:, None]
    y = np.c_[np.sin(2 * x[:, 0]), x[:, 0] ** 2]
    net = mlp(1, 2, hidden=(12, 12), seed=3)
    hist = train_regressor(net, x, y, epochs=150, lr=1e-2, polish_iter=60, progress=False)
    assert hist["loss"].shape == (150,) and hist["lr"].shape == (150,)
    assert hist["lr"][0] == pytest.approx(1e-2) and hist["lr"][-1] < 1e-5
    # Adam: 0.285 -> 7.6e-3; L-BFGS polish: -> 3.2e-5
    assert hist["loss"][-1] < 0.05 * hist["loss"][0]
    assert hist["final_loss"] < hist["loss"][-1] / 30
    assert len(hist["polish_loss"]) >= 10
    assert hist["final_loss"] == pytest.approx(np.mean((model_rmse(net, x, y)["rmse"]) ** 2), rel=1e-10)
    assert not net.training


def test_training_is_deterministic_also_with_minibatches():
    x = np.linspace(0, 1, 100)[:, None]
    y = np.sin(2 * np.pi * x)
    a, b = mlp(1, 1, hidden=(8, 8), seed=1), mlp(1, 1, hidden=(8, 8), seed=1)
    ha = train_regressor(a, x, y, epochs=20, batch_size=16, weight_decay=1e-4, polish_iter=5, progress=False)
    hb = train_regressor(b, x, y, epochs=20, batch_size=16, weight_decay=1e-4, polish_iter=5, progress=False)
    assert _same_weights(a, b)
    np.testing.assert_array_equal(ha["loss"], hb["loss"])
    c = mlp(1, 1, hidden=(8, 8), seed=1)
    train_regressor(c, x, y, epochs=20, batch_size=16, weight_decay=1e-4, polish_iter=5, seed=2, progress=False)
    assert not _same_weights(a, c)  # another shuffling seed, another result


def test_fit_is_deterministic():
    x = np.linspace(0, 1, 50)[:, None]
    kw = {"hidden": (8, 8), "epochs": 30, "polish_iter": 10, "seed": 4, "cache": False, "progress": False}
    a, _ = fit_mlp(x, x**2, **kw)
    b, _ = fit_mlp(x, x**2, **kw)
    assert _same_weights(a, b)


def test_folding_the_standardisation_is_exact():
    g = mlp(2, 3, hidden=(6, 6), seed=5)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 2)) * [3.0, 0.1] + [10.0, -2.0]
    mx, sx, my, sy = x.mean(0), x.std(0), np.array([1.0, -2.0, 0.5]), np.array([100.0, 0.01, 1.0])
    with torch.no_grad():
        expected = g(torch.as_tensor((x - mx) / sx)).numpy() * sy + my
    _fold_affine(g, mx, sx, my, sy)
    with torch.no_grad():
        np.testing.assert_allclose(g(torch.as_tensor(x)).numpy(), expected, rtol=1e-12, atol=1e-12)


def test_model_rmse_known_values():
    net = torch.nn.Linear(1, 1).double()
    with torch.no_grad():
        net.weight.zero_()
        net.bias.fill_(1.0)
    err = model_rmse(net, np.zeros((4, 1)), np.array([0.0, 2.0, 0.0, 2.0]))
    # predictions 1, errors +-1; std(y) = 1
    assert err == {"rmse": 1.0, "relative_rmse": 1.0, "max_error": 1.0}
    assert np.isnan(model_rmse(net, np.zeros((2, 1)), np.ones(2))["relative_rmse"])


# --------------------------------------------------------------------------- cache


def test_cache_hit_returns_identical_predictions(tmp_path, monkeypatch):
    monkeypatch.setenv("NETEQUIV_CACHE", str(tmp_path))
    x = np.linspace(0, 1, 60)[:, None]
    y = np.sin(2 * np.pi * x)
    kw = {"hidden": (8, 8), "epochs": 40, "polish_iter": 10, "name": "tiny", "progress": False}
    first, info1 = fit_mlp(x, y, **kw)
    assert info1["cache_hit"] is False
    path = tmp_path / "models"
    files = list(path.glob("tiny-*.pt"))
    assert [str(f) for f in files] == [info1["path"]]
    assert not list(path.glob(".*.tmp"))  # the atomic write left no temporary file
    second, info2 = fit_mlp(x, y, **kw)
    assert info2["cache_hit"] is True and info2["path"] == info1["path"] and info2["time_s"] == 0.0
    assert _same_weights(first, second)
    xt = np.random.default_rng(0).uniform(0, 1, (30, 1))
    with torch.no_grad():
        np.testing.assert_array_equal(first(torch.as_tensor(xt)).numpy(), second(torch.as_tensor(xt)).numpy())
    assert info2["train_rmse"] == info1["train_rmse"]
    # other data, other seed: other entries
    _, info3 = fit_mlp(x, y + 1e-9, **kw)
    _, info4 = fit_mlp(x, y, seed=1, **kw)
    assert not info3["cache_hit"] and not info4["cache_hit"]
    assert len({info1["path"], info3["path"], info4["path"]}) == 3


class _NotATensor:
    """Stands for arbitrary pickled code: weights_only=True must refuse to build it."""

    def __reduce__(self):
        return (print, ("this must never run",))


def _damage(path, how):
    """Overwrite a cached .pt entry with an unusable one."""
    data = path.read_bytes()
    if how == "garbage":
        path.write_bytes(b"not a torch file")
    elif how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "wrong shapes":  # a valid state dict of another network
        torch.save(mlp(1, 1, hidden=(5,), dtype="float64").state_dict(), path)
    elif how == "wrong dtype":
        torch.save(mlp(1, 1, hidden=(4,), dtype="float32").state_dict(), path)
    elif how == "missing tensor":
        state = torch.load(path, weights_only=True)
        state.pop(next(iter(state)))
        torch.save(state, path)
    elif how == "nan":
        state = torch.load(path, weights_only=True)
        next(iter(state.values()))[0] = float("nan")
        torch.save(state, path)
    elif how == "not a dict":
        torch.save([torch.zeros(3)], path)
    elif how == "pickled code":
        torch.save({"x": _NotATensor()}, path)
    else:
        raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "garbage",
        "truncated",
        "empty",
        "wrong shapes",
        "wrong dtype",
        "missing tensor",
        "nan",
        "not a dict",
        "pickled code",
    ],
)
def test_unusable_cache_entry_is_retrained_with_a_warning(how, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NETEQUIV_CACHE", str(tmp_path))
    x = np.linspace(0, 1, 30)[:, None]
    kw = {"hidden": (4,), "epochs": 10, "polish_iter": 0, "progress": False}
    net, info = fit_mlp(x, x, **kw)
    path = Path(info["path"])
    _damage(path, how)
    with pytest.warns(CacheWarning, match=re.escape(str(path)) + r".*recomputing it and overwriting the file") as rec:
        again, info2 = fit_mlp(x, x, **kw)
    assert len(rec) == 1
    message = str(rec[0].message)
    assert "weights_only=False" not in message and "allow_pickle=True" not in message
    assert info2["cache_hit"] is False and _same_weights(net, again)
    assert fit_mlp(x, x, **kw)[1]["cache_hit"] is True  # overwritten with the retrained weights
    assert "this must never run" not in capsys.readouterr().out


# --------------------------------------------------------------------------- errors


def test_training_errors():
    net = mlp(1, 1, hidden=(4,))
    x = np.linspace(0, 1, 10)
    with pytest.raises(ValueError, match="x has 10 samples but y has 9"):
        train_regressor(net, x, x[:9], progress=False)
    with pytest.raises(ValueError, match="model returns 1 outputs per sample but y has 2 columns"):
        train_regressor(net, x, np.c_[x, x], progress=False)
    with pytest.raises(ValueError, match="model could not be evaluated on x with 2 features"):
        train_regressor(net, np.c_[x, x], x, progress=False)
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        train_regressor(net, x, x, epochs=0, progress=False)
    with pytest.raises(ValueError, match="lr must be a finite number > 0"):
        train_regressor(net, x, x, lr=-1.0, progress=False)
    with pytest.raises(ValueError, match="batch_size must be None or an integer >= 1"):
        train_regressor(net, x, x, batch_size=0, progress=False)
    with pytest.raises(ValueError, match="weight_decay must be a finite number >= 0"):
        train_regressor(net, x, x, weight_decay=-1e-3, progress=False)
    with pytest.raises(ValueError, match="model must be a torch.nn.Module"):
        train_regressor(lambda u: u, x, x, progress=False)
    with pytest.raises(ValueError, match="the training loss became NaN or inf at epoch"):
        train_regressor(mlp(1, 1, hidden=(4,)), x, x * 1e200, epochs=5, progress=False)
    with pytest.raises(ValueError, match=r"y contains NaN or inf"):
        fit_mlp(x, np.where(x > 0.5, np.nan, x), cache=False, progress=False)
    with pytest.raises(ValueError, match="x must have at least 2 samples"):
        fit_mlp([[0.0]], [[1.0]], cache=False, progress=False)
    with pytest.raises(ValueError, match="name must be a non-empty string"):
        fit_mlp(x, x, name="../evil", cache=False, progress=False)
    with pytest.raises(ValueError, match="unknown activation 'cos'"):
        fit_mlp(x, x, activation="cos", cache=False, progress=False)
