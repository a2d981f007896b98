"""Convolutional autoencoders for experiment (c): two networks that see the rotating horse.

Each autoencoder compresses a grey-scale view to a few latent numbers and decodes it
back.  Two of them, with different widths, depths and latent sizes, are trained on the
same views; their latent codes are the observations compared in the experiment.
Training is on the CPU, seeded and cached on disk.
"""

from __future__ import annotations

import hashlib
import time

import numpy as np
import torch
from torch import nn

from .._validation import check_positive
from .cache import atomic_path, cache_dir, check_state_dict, entry_lock, key, load_torch, read_entry

__all__ = ["ARCHITECTURES", "SETTINGS", "ConvAutoencoder", "encode_images", "train_autoencoder"]

#: The two networks of experiment (c).  They differ in widths, depth, latent size and
#: activation; trained on views from a camera 20 degrees above the horizon, both give
#: latent curves that a Mahalanobis diffusion map turns into the angle to well below 1
#: degree (median) in the full setting.
ARCHITECTURES = {
    "A": {"latent_dim": 3, "widths": (16, 32, 64), "activation": "gelu"},
    "B": {"latent_dim": 8, "widths": (8, 16, 16, 32), "activation": "tanh"},
}
#: Image side (for :func:`netequiv.chapters.horse.horse_views`) and training settings (for
#: :func:`train_autoencoder`): ``full`` (64x64 views) and a quick ``fast`` one (32x32).
SETTINGS = {
    "full": {"size": 64, "epochs": 150, "lr": 2e-3, "batch_size": 32},
    "fast": {"size": 32, "epochs": 60, "lr": 3e-3, "batch_size": 32},
}

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "elu": nn.ELU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "softplus": nn.Softplus,
    "leaky_relu": nn.LeakyReLU,
}
_FORMAT_VERSION = 2  # bump when the architecture or the training loop changes


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)


class ConvAutoencoder(nn.Module):
    """A convolutional autoencoder for single-channel square images.

    Parameters
    ----------
    latent_dim : int, default 3
        Size of the code.
    widths : sequence of int, default (16, 32, 64)
        Channels of the encoder's convolutions; each halves the image side
        (kernel 4, stride 2, padding 1).  The decoder mirrors them with transposed
        convolutions.  The depth is ``len(widths)``.
    size : int, default 64
        Image side ``H = W``; it must be divisible by ``2 ** len(widths)``.
    activation : {"relu", "elu", "tanh", "gelu", "silu", "softplus", "leaky_relu"}, default "relu"
        Nonlinearity after every hidden layer.  The code and the reconstruction are
        linear in the preceding layers (a sigmoid at the output can saturate on the black
        background and stall training).

    Attributes
    ----------
    encoder, decoder : torch.nn.Sequential
    config : dict
        The constructor arguments (JSON-serialisable), enough to rebuild the model.

    Raises
    ------
    ValueError
        "latent_dim must be a positive integer", "widths must be a non-empty sequence of
        positive integers", "size ... must be divisible by 2 ** len(widths)", or
        "activation must be one of ...".

    Notes
    -----
    Encoder :math:`E: [0,1]^{H \\times W} \\to \\mathbb{R}^{d}` and decoder
    :math:`D: \\mathbb{R}^d \\to \\mathbb{R}^{H \\times W}` are trained to minimise
    :math:`\\frac{1}{N H W} \\sum_i \\lVert D(E(x_i)) - x_i \\rVert^2`.

    Examples
    --------
    >>> import torch
    >>> from netequiv.chapters.autoencoder import ConvAutoencoder
    >>> model = ConvAutoencoder(latent_dim=3, widths=(8, 16), size=32)
    >>> model.encode(torch.zeros(5, 1, 32, 32)).shape
    torch.Size([5, 3])
    """

    def __init__(self, latent_dim: int = 3, widths=(16, 32, 64), size: int = 64, activation: str = "relu"):
        super().__init__()
        latent_dim = _positive_int(latent_dim, "latent_dim")
        try:
            widths = tuple(widths)
        except TypeError:
            raise ValueError(f"widths must be a non-empty sequence of positive integers, got {widths!r}.") from None
        if not widths or any(isinstance(w, bool) or not isinstance(w, (int, np.integer)) or w < 1 for w in widths):
            raise ValueError(f"widths must be a non-empty sequence of positive integers, got {widths!r}.")
        widths = tuple(int(w) for w in widths)
        size = _positive_int(size, "size")
        if size % (2 ** len(widths)):
            raise ValueError(
                f"size {size} must be divisible by 2 ** len(widths) = {2 ** len(widths)}; "
                "use fewer layers or another image size."
            )
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}.")
        act = _ACTIVATIONS[activation]
        self.config = {"latent_dim": latent_dim, "widths": list(widths), "size": size, "activation": activation}
        side = size // 2 ** len(widths)
        self._bottom = (widths[-1], side, side)

        enc: list[nn.Module] = []
        channels = 1
        for w in widths:
            enc += [nn.Conv2d(channels, w, 4, stride=2, padding=1), act()]
            channels = w
        enc += [nn.Flatten(), nn.Linear(channels * side * side, latent_dim)]
        self.encoder = nn.Sequential(*enc)

        dec: list[nn.Module] = [nn.Linear(latent_dim, channels * side * side), act(), nn.Unflatten(1, self._bottom)]
        for w in reversed(widths[:-1]):
            dec += [nn.ConvTranspose2d(channels, w, 4, stride=2, padding=1), act()]
            channels = w
        dec += [nn.ConvTranspose2d(channels, 1, 4, stride=2, padding=1)]
        self.decoder = nn.Sequential(*dec)

    def encode(self, images: torch.Tensor) -> torch.Tensor:
        """Latent codes, shape (B, latent_dim), of images of shape (B, 1, size, size)."""
        return self.encoder(images)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images, shape (B, 1, size, size), from codes of shape (B, latent_dim)."""
        return self.decoder(z)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Reconstructions ``decode(encode(images))``."""
        return self.decode(self.encode(images))


def _check_saved(saved, model: ConvAutoencoder, epochs: int) -> str | None:
    """What is wrong with a loaded cache entry of :func:`train_autoencoder` (``None``: usable)."""
    if not isinstance(saved, dict):
        return f"it holds a {type(saved).__name__}, not the saved training record"
    missing = {"state_dict", "rmse", "loss_history", "train_seconds"} - set(saved)
    if missing:
        return f"the entries {sorted(missing)} are missing"
    problem = check_state_dict(saved["state_dict"], model.state_dict())
    if problem is not None:
        return problem
    history = saved["loss_history"]
    if not isinstance(history, torch.Tensor) or tuple(history.shape) != (epochs,):
        return f"the loss history is not a tensor of {epochs} epochs"
    for name in ("rmse", "train_seconds"):
        value = saved[name]
        if isinstance(value, torch.Tensor):
            value = value.item() if value.numel() == 1 else None
        if not isinstance(value, (int, float)) or not np.isfinite(value):
            return f"{name!r} is not a finite number"
    return None


def _as_images(images, min_samples: int = 2) -> np.ndarray:
    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
        raise ValueError(f"images must have shape (N, H, H) or (N, 1, H, H), got {np.shape(images)}.")
    if len(arr) < min_samples:
        raise ValueError(f"images has {len(arr)} samples, but at least {min_samples} are needed.")
    if not np.isfinite(arr).all():
        raise ValueError("images contains NaN or inf; repair or drop these images.")
    return np.ascontiguousarray(arr)


def train_autoencoder(
    images,
    *,
    latent_dim: int = 3,
    widths=(16, 32, 64),
    activation: str = "relu",
    seed: int = 0,
    epochs: int = 150,
    lr: float = 2e-3,
    batch_size: int = 32,
    weight_decay: float = 0.0,
    cache: bool = True,
    name: str = "cae",
    progress: bool = True,
) -> tuple[ConvAutoencoder, dict]:
    """Train a :class:`ConvAutoencoder` on grey-scale images (CPU, seeded, cached).

    Parameters
    ----------
    images : array_like of shape (N, H, H) or (N, 1, H, H)
        Training images, values in ``[0, 1]``; ``H`` is the model's ``size``.
    latent_dim, widths, activation
        Architecture, see :class:`ConvAutoencoder`.
    seed : int, default 0
        Seeds the initial weights and the order of the mini-batches.
    epochs : int, default 150
        Passes over the data.
    lr : float, default 2e-3
        Peak learning rate of AdamW; it follows a cosine schedule down to ``lr / 100``.
    batch_size : int, default 32
    weight_decay : float, default 0.0
        Decoupled weight decay (AdamW).
    cache : bool, default True
        Load/store the trained weights at ``cache_dir("models")/<name>_<key>.pt``, the
        key hashing every argument and the bytes of ``images``.
    name : str, default "cae"
        File name prefix in the cache.
    progress : bool, default True
        Show a tqdm progress bar over the epochs.

    Returns
    -------
    model : ConvAutoencoder
        In evaluation mode.
    info : dict
        ``rmse`` (float, root mean squared reconstruction error per pixel over
        ``images``), ``loss_history`` (ndarray (epochs,), mean training MSE per epoch),
        ``train_seconds`` (float, time of the original training run), ``path`` (the
        cache file or ``None``), ``from_cache`` (bool).

    Raises
    ------
    ValueError
        "images must have shape (N, H, H) or (N, 1, H, H)", "images has ... samples, but
        at least 2 are needed", "images contains NaN or inf", "epochs/batch_size must be
        a positive integer", "lr must be a finite number > 0" (or "a positive number"),
        "weight_decay must be a
        finite number >= 0", "name must be a non-empty string of letters, digits, '-' or
        '_'", and those of :class:`ConvAutoencoder`.

    Notes
    -----
    The loss is the mean squared error :math:`\\frac{1}{BHW}\\sum (D(E(x)) - x)^2` over a
    mini-batch; the learning rate at epoch :math:`t` of :math:`T` is
    :math:`\\eta_t = \\eta_{\\min} + \\tfrac12(\\eta - \\eta_{\\min})(1 + \\cos(\\pi t / T))`.
    Weights are loaded with ``torch.load(..., weights_only=True)``; an entry that cannot
    be used (unreadable, or tensors that do not fit the network) is retrained and
    overwritten after a :class:`netequiv.chapters.cache.CacheWarning` that names the file.

    Examples
    --------
    >>> import numpy as np
    >>> from netequiv.chapters.autoencoder import train_autoencoder
    >>> x = np.random.default_rng(0).random((16, 16, 16)).astype("float32")
    >>> model, info = train_autoencoder(x, widths=(4, 8), epochs=2, cache=False,
    ...                                 progress=False)
    >>> info["loss_history"].shape
    (2,)
    """
    arr = _as_images(images)
    epochs = _positive_int(epochs, "epochs")
    batch_size = _positive_int(batch_size, "batch_size")
    lr = check_positive(lr, "lr")
    try:
        wd = float(weight_decay)
    except (TypeError, ValueError):
        wd = np.nan
    if not np.isfinite(wd) or wd < 0:
        raise ValueError(f"weight_decay must be a finite number >= 0, got {weight_decay!r}.")
    weight_decay = wd
    if not isinstance(name, str) or not name or not all(c.isalnum() or c in "-_" for c in name):
        raise ValueError(f"name must be a non-empty string of letters, digits, '-' or '_', got {name!r}.")
    size = arr.shape[1]
    with torch.random.fork_rng(devices=[]):  # seed the initial weights without touching the global RNG
        torch.manual_seed(int(seed))
        model = ConvAutoencoder(latent_dim=latent_dim, widths=widths, size=size, activation=activation)
    x = torch.from_numpy(arr).unsqueeze(1)

    params = {
        "model": model.config, "seed": int(seed), "epochs": epochs, "lr": lr, "batch_size": batch_size,
        "weight_decay": weight_decay, "version": _FORMAT_VERSION,
        "data": hashlib.sha256(arr.tobytes()).hexdigest(), "shape": list(arr.shape),
    }  # fmt: skip
    path = cache_dir("models") / f"{name}_{key(**params)}.pt" if cache else None
    with entry_lock(path):  # another process training the same autoencoder: wait, then read it
        return _load_or_train(
            model, x, path, name=name, seed=seed, epochs=epochs, lr=lr, batch_size=batch_size,
            weight_decay=weight_decay, progress=progress,
        )  # fmt: skip


def _load_or_train(model, x, path, *, name, seed, epochs, lr, batch_size, weight_decay, progress):
    """The cached autoencoder at ``path``, or train ``model`` on ``x`` and write it there."""
    n = len(x)
    saved = None if path is None else read_entry(path, load_torch, lambda p: _check_saved(p, model, epochs))
    if saved is not None:
        model.load_state_dict(saved["state_dict"])
        model.eval()
        info = {
            "rmse": float(saved["rmse"]), "loss_history": saved["loss_history"].numpy(),
            "train_seconds": float(saved["train_seconds"]), "path": path, "from_cache": True,
        }  # fmt: skip
        return model, info

    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs, eta_min=lr / 100)
    history = np.empty(epochs)
    epochs_iter = range(epochs)
    if progress:
        from tqdm import tqdm

        epochs_iter = tqdm(epochs_iter, desc=f"training {name}", unit="epoch")
    start = time.perf_counter()
    model.train()
    for epoch in epochs_iter:
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for i in range(0, n, batch_size):
            batch = x[perm[i : i + batch_size]]
            loss = torch.mean((model(batch) - batch) ** 2)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(batch)
        sched.step()
        history[epoch] = total / n
        if progress:
            epochs_iter.set_postfix(loss=f"{history[epoch]:.2e}")
    seconds = time.perf_counter() - start
    model.eval()
    rmse = _rmse(model, x, batch_size=256)
    info = {"rmse": rmse, "loss_history": history, "train_seconds": seconds, "path": path, "from_cache": False}
    if path is not None:
        payload = {
            "state_dict": model.state_dict(), "rmse": rmse, "loss_history": torch.from_numpy(history),
            "train_seconds": seconds, "config": model.config,
        }  # fmt: skip
        with atomic_path(path) as tmp:
            torch.save(payload, tmp)
    return model, info


@torch.no_grad()
def _rmse(model: ConvAutoencoder, x: torch.Tensor, batch_size: int) -> float:
    sq = sum(
        float(torch.sum((model(x[i : i + batch_size]) - x[i : i + batch_size]) ** 2))
        for i in range(0, len(x), batch_size)
    )
    return float(np.sqrt(sq / x.numel()))


@torch.no_grad()
def encode_images(model: ConvAutoencoder, images, batch_size: int = 256) -> np.ndarray:
    """Latent codes of images as a float64 numpy array.

    Parameters
    ----------
    model : ConvAutoencoder
    images : array_like of shape (N, H, H) or (N, 1, H, H)
        ``H`` must equal ``model.config["size"]``.
    batch_size : int, default 256

    Returns
    -------
    codes : ndarray of shape (N, latent_dim), float64

    Raises
    ------
    ValueError
        "images must have shape (N, H, H) or (N, 1, H, H)", "images contains NaN or inf",
        or "images are HxH but the model expects SxS".

    Examples
    --------
    >>> import numpy as np
    >>> from netequiv.chapters.autoencoder import ConvAutoencoder, encode_images
    >>> encode_images(ConvAutoencoder(widths=(4,), size=8), np.zeros((3, 8, 8))).shape
    (3, 3)
    """
    arr = _as_images(images, min_samples=1)
    size = model.config["size"]
    if arr.shape[1] != size:
        raise ValueError(f"images are {arr.shape[1]}x{arr.shape[1]} but the model expects {size}x{size}.")
    model.eval()
    x = torch.from_numpy(arr).unsqueeze(1)
    batch_size = _positive_int(batch_size, "batch_size")
    codes = [model.encode(x[i : i + batch_size]) for i in range(0, len(x), batch_size)]
    return torch.cat(codes).double().numpy()
