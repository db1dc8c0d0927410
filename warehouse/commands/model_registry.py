"""The model registry: every fitted model version, its metadata and its artifact.

A version's metadata (name, version, trained_at, training window, parameters, metrics, library
versions, the artifact's checksum) is a row of ``model_versions`` in the operational store; the
fitted object is a joblib file beside the warehouse, ``<db stem>.models/<name>/v<version>.joblib``.
Versions count 1, 2, … per name and are never overwritten, so an earlier version stays loadable
for comparison or rollback.

joblib (scikit-learn's own persistence) pickles any estimator, lifetimes fitters included. A
pickle is only as portable as the code that reads it: loading refuses a file written under
another major or minor version of Python, numpy, scikit-learn, joblib or the estimator's own
library, and names the difference, instead of returning a model that may silently predict
something else. Unpickling runs code, so only files this registry wrote and whose checksum
matches its row are loaded.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import io
import os
import platform
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib
from sqlalchemy import Engine, func, insert, select

from warehouse.clock import utc_now
from warehouse.commands.jsonable import jsonable
from warehouse.ops import ops_transaction
from warehouse.ops.schema import model_versions

MODELS_SUFFIX = ".models"
ALWAYS_RECORDED = ("numpy", "scikit-learn", "joblib")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_MAJOR_MINOR = re.compile(r"(\d+)\.(\d+)")


class UnknownModelError(LookupError):
    """No such model name or version in the registry."""


class ModelArtifactError(RuntimeError):
    """The artifact file is missing or is not the file that was registered."""


class ModelVersionMismatchError(RuntimeError):
    """The artifact was written under library versions this installation cannot read safely."""


@dataclass(frozen=True)
class ModelVersion:
    """One registered version; ``artifact`` is the absolute path of its file."""

    name: str
    version: int
    trained_at: datetime
    train_start: datetime
    train_end: datetime
    params: dict[str, Any]
    metrics: dict[str, Any]
    artifact: Path
    artifact_sha256: str
    library_versions: dict[str, str]


def models_dir(db: Path) -> Path:
    """Where the artifacts of warehouse ``db`` live: ``<db stem>.models``."""
    return db.with_name(db.stem + MODELS_SUFFIX)


def check_model_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"model name {name!r} must be lower-case letters, digits and _, "
                         "starting with a letter (it names a folder)")
    return name


@functools.cache
def _distributions() -> Mapping[str, list[str]]:
    """Top-level module -> installed distributions; scanning them takes most of a second, and
    what is installed does not change while a process runs."""
    return importlib.metadata.packages_distributions()


def _library_versions(estimator: Any) -> dict[str, str]:
    """Python, the always-recorded libraries and the distribution the estimator comes from."""
    names = list(ALWAYS_RECORDED)
    top_level = type(estimator).__module__.split(".")[0]
    # Distribution names as PEP 503 normalises them ("Lifetimes" -> "lifetimes").
    names += [re.sub(r"[-_.]+", "-", name).lower()
              for name in _distributions().get(top_level, [])]
    versions = {"python": platform.python_version()}
    for name in dict.fromkeys(names):
        versions[name] = importlib.metadata.version(name)
    return versions


def _installed_version(library: str) -> str | None:
    if library == "python":
        return platform.python_version()
    try:
        return importlib.metadata.version(library)
    except importlib.metadata.PackageNotFoundError:
        return None


def _major_minor(version: str) -> tuple[int, int] | None:
    match = _MAJOR_MINOR.match(version)
    return (int(match[1]), int(match[2])) if match else None


def check_library_versions(model: ModelVersion) -> None:
    """Raise ModelVersionMismatchError unless every recorded library is installed with the
    same major.minor version (patch releases keep the pickle format)."""
    problems = []
    for library, recorded in model.library_versions.items():
        installed = _installed_version(library)
        if installed is None:
            problems.append(f"{library} {recorded} (not installed here)")
        elif _major_minor(installed) != _major_minor(recorded):
            problems.append(f"{library} {recorded} (installed: {installed})")
    if problems:
        raise ModelVersionMismatchError(
            f"model {model.name!r} version {model.version} was written with "
            f"{', '.join(problems)}; it cannot be loaded safely by this installation. "
            "Train and register it again."
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_temporary(folder: Path, estimator: Any) -> Path:
    """Dump ``estimator`` to a new hidden file in ``folder``, flushed to disk."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=folder, prefix=".registering-", suffix=".joblib")
    with os.fdopen(handle, "wb") as stream:
        joblib.dump(estimator, stream, compress=3)
        stream.flush()
        os.fsync(stream.fileno())
    return Path(name)


def _version_of(row: Mapping[Any, Any], folder: Path) -> ModelVersion:
    return ModelVersion(
        name=row["name"], version=row["version"], trained_at=row["trained_at"],
        train_start=row["train_start"], train_end=row["train_end"], params=row["params"],
        metrics=row["metrics"], artifact=folder / row["artifact"],
        artifact_sha256=row["artifact_sha256"], library_versions=row["library_versions"],
    )


def register_model(
    engine: Engine,
    folder: Path,
    name: str,
    estimator: Any,
    *,
    train_start: datetime,
    train_end: datetime,
    params: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    trained_at: datetime | None = None,
) -> ModelVersion:
    """Store a fitted ``estimator`` as the next version of ``name``; return its metadata.

    ``folder`` is the models folder (``models_dir(db)``); ``train_start``/``train_end`` the
    training data's window (naive UTC); ``params`` default to the estimator's ``get_params()``.
    The file is complete before its row is committed, and the row is committed only with its
    file in place, so a registered version always has its artifact. Registrations are
    serialised by the store, so two at once never share a number.
    """
    check_model_name(name)
    if train_start > train_end:
        raise ValueError(f"training window starts after it ends: {train_start} > {train_end}")
    if params is None:
        params = estimator.get_params(deep=False) if hasattr(estimator, "get_params") else {}
    row: dict[str, Any] = {
        "name": name,
        "trained_at": trained_at or utc_now(),
        "train_start": train_start,
        "train_end": train_end,
        "params": jsonable(params, default=repr),
        "metrics": jsonable(metrics or {}, default=repr),
        "library_versions": _library_versions(estimator),
    }
    temporary = _write_temporary(folder / name, estimator)
    try:
        row["artifact_sha256"] = _sha256(temporary)
        with ops_transaction(engine) as connection:
            version = connection.execute(
                select(func.coalesce(func.max(model_versions.c.version), 0) + 1)
                .where(model_versions.c.name == name)
            ).scalar_one()
            row |= {"version": int(version), "artifact": f"{name}/v{version}.joblib"}
            connection.execute(insert(model_versions).values(**row))
            os.replace(temporary, folder / row["artifact"])
    finally:
        temporary.unlink(missing_ok=True)
    return _version_of(row, folder)


def list_versions(engine: Engine, folder: Path, name: str) -> list[ModelVersion]:
    """Every version of ``name``, oldest first (empty for an unknown name)."""
    with ops_transaction(engine, readonly=True) as connection:
        rows = connection.execute(
            select(model_versions).where(model_versions.c.name == name)
            .order_by(model_versions.c.version)
        ).mappings().all()
    return [_version_of(row, folder) for row in rows]


def get_version(
    engine: Engine, folder: Path, name: str, version: int | None = None
) -> ModelVersion:
    """The metadata of ``version`` of ``name`` (None: the latest)."""
    query = select(model_versions).where(model_versions.c.name == name)
    if version is None:
        query = query.order_by(model_versions.c.version.desc()).limit(1)
    else:
        query = query.where(model_versions.c.version == int(version))
    with ops_transaction(engine, readonly=True) as connection:
        row = connection.execute(query).mappings().first()
    if row is None:
        which = f"model {name!r}" if version is None else f"version {version} of model {name!r}"
        raise UnknownModelError(f"the model registry holds no {which}")
    return _version_of(row, folder)


def load_model(
    engine: Engine, folder: Path, name: str, version: int | None = None
) -> tuple[Any, ModelVersion]:
    """The fitted estimator of ``version`` of ``name`` (None: the latest) and its metadata.

    Raises UnknownModelError, ModelVersionMismatchError (written under other library versions)
    or ModelArtifactError (file missing or changed since it was registered).
    """
    model = get_version(engine, folder, name, version)
    check_library_versions(model)
    try:
        content = model.artifact.read_bytes()  # read once: the bytes checked are those loaded
    except FileNotFoundError:
        raise ModelArtifactError(f"model {name!r} version {model.version}: its file "
                                 f"{model.artifact} is missing") from None
    if hashlib.sha256(content).hexdigest() != model.artifact_sha256:
        raise ModelArtifactError(f"model {name!r} version {model.version}: {model.artifact} is "
                                 "not the file that was registered (checksum differs)")
    return joblib.load(io.BytesIO(content)), model
