"""Convolutional autoencoders of experiment (c): shapes, determinism, training, cache."""

from __future__ import annotations

import re

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from netequiv.chapters.autoencoder import ARCHITECTURES, SETTINGS, ConvAutoencoder, encode_images, train_autoencoder
from netequiv.chapters.cache import CacheWarning


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny networks train faster on one thread, and the suite shares the machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _blobs(n=24, size=16):
    """A Gaussian spot going round a circle: images on a 1-D closed manifold."""
    phi = 2 * np.pi * np.arange(n) / n
    yy, xx = np.mgrid[0:size, 0:size]
    cx = size / 2 - 0.5 + 0.25 * size * np.cos(phi)
    cy = size / 2 - 0.5 + 0.25 * size * np.sin(phi)
    d2 = (xx[None] - cx[:, None, None]) ** 2 + (yy[None] - cy[:, None, None]) ** 2
    return np.exp(-d2 / (2 * (size / 10) ** 2)).astype(np.float32)


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_shapes_and_two_architectures(setting):
    size = SETTINGS[setting]["size"]
    a = ConvAutoencoder(size=size, **ARCHITECTURES["A"])
    b = ConvAutoencoder(size=size, **ARCHITECTURES["B"])
    x = torch.rand(5, 1, size, size)
    for model, latent, depth in ((a, 3, 3), (b, 8, 4)):
        z = model.encode(x)
        assert z.shape == (5, latent)
        assert model.decode(z).shape == (5, 1, size, size)
        assert model(x).shape == (5, 1, size, size)
        assert sum(isinstance(m, torch.nn.Conv2d) for m in model.encoder) == depth
        assert sum(isinstance(m, torch.nn.ConvTranspose2d) for m in model.decoder) == depth
    assert a.config == {"latent_dim": 3, "widths": [16, 32, 64], "size": size, "activation": "gelu"}
    assert b.config["activation"] != a.config["activation"]
    n_a = sum(p.numel() for p in a.parameters())
    n_b = sum(p.numel() for p in b.parameters())
    assert n_a != n_b
    assert set(SETTINGS[setting]) == {"size", "epochs", "lr", "batch_size"}


def test_architecture_validation():
    with pytest.raises(ValueError, match="divisible"):
        ConvAutoencoder(widths=(8, 16, 32), size=20)
    with pytest.raises(ValueError, match="activation"):
        ConvAutoencoder(activation="sigmoid")
    with pytest.raises(ValueError, match="widths"):
        ConvAutoencoder(widths=())
    with pytest.raises(ValueError, match="widths"):
        ConvAutoencoder(widths=(8, 0))
    with pytest.raises(ValueError, match="latent_dim"):
        ConvAutoencoder(latent_dim=0)


def test_training_validation():
    x = _blobs(8, 8)
    kw = {"widths": (4,), "epochs": 1, "cache": False, "progress": False}
    with pytest.raises(ValueError, match="shape"):
        train_autoencoder(np.zeros((4, 8, 6)), **kw)
    with pytest.raises(ValueError, match="at least 2"):
        train_autoencoder(x[:1], **kw)
    bad = x.copy()
    bad[3, 2, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        train_autoencoder(bad, **kw)
    with pytest.raises(ValueError, match="lr"):
        train_autoencoder(x, lr=0.0, **kw)
    with pytest.raises(ValueError, match="epochs"):
        train_autoencoder(x, widths=(4,), epochs=0, cache=False, progress=False)
    with pytest.raises(ValueError, match="name"):
        train_autoencoder(x, name="../x", **kw)
    with pytest.raises(ValueError, match="weight_decay"):
        train_autoencoder(x, weight_decay=-1.0, **kw)


def test_training_reduces_loss_and_reports_rmse():
    x = _blobs()
    model, info = train_autoencoder(
        x, latent_dim=2, widths=(8, 16), activation="elu", seed=0, epochs=60, lr=1e-2, batch_size=8,
        cache=False, progress=False,
    )  # fmt: skip
    hist = info["loss_history"]
    assert hist.shape == (60,)
    assert hist[-1] < 0.1 * hist[0]
    with torch.no_grad():
        t = torch.from_numpy(x).unsqueeze(1)
        rmse = float(torch.sqrt(torch.mean((model(t) - t) ** 2)))
    assert info["rmse"] == pytest.approx(rmse, rel=1e-5)
    # better than the best constant image (the mean), which has this error
    assert info["rmse"] < 0.35 * float(np.sqrt(((x - x.mean(axis=0)) ** 2).mean()))
    assert info["from_cache"] is False and info["path"] is None
    assert not model.training


def test_determinism():
    x = _blobs(12, 8)
    kw = {"latent_dim": 2, "widths": (4, 8), "epochs": 3, "batch_size": 4, "cache": False, "progress": False}
    m1, i1 = train_autoencoder(x, seed=3, **kw)
    m2, i2 = train_autoencoder(x, seed=3, **kw)
    _m3, i3 = train_autoencoder(x, seed=4, **kw)
    for k, v in m1.state_dict().items():
        assert torch.equal(v, m2.state_dict()[k])
    np.testing.assert_array_equal(i1["loss_history"], i2["loss_history"])
    assert not np.array_equal(i1["loss_history"], i3["loss_history"])
    # the global torch RNG is left alone
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    train_autoencoder(x, seed=3, **kw)
    assert torch.equal(torch.rand(3), expected)


def test_cache_round_trip(monkeypatch, tmp_path):
    monkeypatch.setenv("NETEQUIV_CACHE", str(tmp_path))
    x = _blobs(12, 8)
    kw = {"latent_dim": 2, "widths": (4, 8), "epochs": 3, "batch_size": 4, "progress": False, "name": "tiny"}
    m1, i1 = train_autoencoder(x, **kw)
    files = list((tmp_path / "models").glob("tiny_*.pt"))
    assert files == [i1["path"]] and i1["from_cache"] is False
    m2, i2 = train_autoencoder(x, **kw)
    assert i2["from_cache"] is True and i2["path"] == i1["path"]
    for k, v in m1.state_dict().items():
        assert torch.equal(v, m2.state_dict()[k])
    assert i2["rmse"] == i1["rmse"] and i2["train_seconds"] == i1["train_seconds"]
    np.testing.assert_array_equal(i2["loss_history"], i1["loss_history"])
    np.testing.assert_array_equal(encode_images(m1, x), encode_images(m2, x))
    # other data or other settings are other entries
    train_autoencoder(x[::-1], **kw)
    train_autoencoder(x, seed=1, **kw)
    assert len(list((tmp_path / "models").glob("tiny_*.pt"))) == 3
    assert not list((tmp_path / "models").glob(".*tmp"))


def test_encode_images():
    x = _blobs(5, 8)
    model = ConvAutoencoder(latent_dim=4, widths=(4,), size=8)
    codes = encode_images(model, x, batch_size=2)
    assert codes.shape == (5, 4) and codes.dtype == np.float64
    with torch.no_grad():
        np.testing.assert_allclose(codes, model.encode(torch.from_numpy(x).unsqueeze(1)).numpy(), rtol=1e-6)
    np.testing.assert_array_equal(encode_images(model, x[:, None], batch_size=2), codes)
    with pytest.raises(ValueError, match="expects 8x8"):
        encode_images(model, np.zeros((2, 16, 16)))


@pytest.mark.parametrize("how", ["garbage", "truncated", "wrong shapes", "bare state dict", "short history"])
def test_unusable_cache_entry_is_retrained_with_a_warning(how, monkeypatch, tmp_path):
    monkeypatch.setenv("NETEQUIV_CACHE", str(tmp_path))
    x = _blobs(8, 8)
    kw = {"latent_dim": 2, "widths": (4,), "epochs": 2, "batch_size": 4, "progress": False, "name": "tiny"}
    m1, i1 = train_autoencoder(x, **kw)
    path = i1["path"]
    saved = torch.load(path, weights_only=True)
    if how == "garbage":
        path.write_bytes(b"\x80\x02garbage" * 10)
    elif how == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    elif how == "wrong shapes":  # the record of a wider network
        saved["state_dict"] = ConvAutoencoder(latent_dim=2, widths=(6,), size=8).state_dict()
        torch.save(saved, path)
    elif how == "bare state dict":
        torch.save(saved["state_dict"], path)
    else:
        saved["loss_history"] = saved["loss_history"][:1]
        torch.save(saved, path)
    with pytest.warns(CacheWarning, match=re.escape(str(path)) + ".*recomputing it") as rec:
        m2, i2 = train_autoencoder(x, **kw)
    assert len(rec) == 1 and i2["from_cache"] is False and i2["path"] == path
    for k, v in m1.state_dict().items():  # retrained from the same seed: the same network
        assert torch.equal(v, m2.state_dict()[k])
    _m3, i3 = train_autoencoder(x, **kw)  # overwritten: a clean hit
    assert i3["from_cache"] is True and i3["rmse"] == i1["rmse"]
