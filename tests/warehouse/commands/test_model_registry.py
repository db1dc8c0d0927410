"""The model registry: numbered versions with metadata, artifacts that load back and refuse to
load under other library versions or after a change."""

from __future__ import annotations

import platform
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
import sklearn
from lifetimes import BetaGeoFitter
from sklearn.linear_model import LogisticRegression
from sqlalchemy import Engine, update

from tests.support.ops_store import StoreCase
from warehouse.commands.model_registry import (
    ModelArtifactError,
    ModelVersionMismatchError,
    UnknownModelError,
    list_versions,
    load_model,
    models_dir,
    register_model,
)
from warehouse.ops import ops_transaction
from warehouse.ops.schema import model_versions

START, END = datetime(2015, 5, 3), datetime(2015, 8, 31)
REGISTRATIONS = 8


@pytest.fixture
def folder(store: StoreCase) -> Path:
    return models_dir(store.db)


def _fitted(c: float = 1.0) -> tuple[LogisticRegression, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 3))
    y = (x @ np.array([1.5, -2.0, 0.5]) + rng.normal(size=200) > 0).astype(int)
    return LogisticRegression(C=c).fit(x, y), x


def _set_library_version(engine: Engine, library: str, version: str) -> None:
    with ops_transaction(engine) as connection:
        [recorded] = connection.execute(model_versions.select()).mappings().all()
        connection.execute(update(model_versions).values(
            library_versions=recorded["library_versions"] | {library: version}))


def test_the_models_folder_sits_beside_the_warehouse(tmp_path: Path) -> None:
    assert models_dir(tmp_path / "shop.duckdb") == tmp_path / "shop.models"


def test_a_registered_model_loads_back_and_predicts_the_same(
    engine: Engine, folder: Path
) -> None:
    model, x = _fitted()
    registered = register_model(engine, folder, "churn", model, train_start=START,
                                train_end=END, metrics={"roc_auc": 0.91})
    loaded, version = load_model(engine, folder, "churn")
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert version == registered
    assert (version.name, version.version, version.train_start, version.train_end) == \
        ("churn", 1, START, END)
    assert version.metrics == {"roc_auc": 0.91}
    assert version.params["C"] == 1.0 and version.params["solver"] == "lbfgs"
    assert version.artifact == folder / "churn" / "v1.joblib"
    assert sorted(path.name for path in (folder / "churn").iterdir()) == ["v1.joblib"]


def test_metrics_that_could_not_be_computed_are_stored_as_unknown(
    engine: Engine, folder: Path
) -> None:
    """NaN and infinities (a metric undefined on a split) are null on both backends;
    PostgreSQL's json type refuses them as numbers."""
    model, _ = _fitted()
    metrics = {"roc_auc": 0.91, "cv_sd": float("nan"),
               "families": [{"family": "knn", "lift": float("inf"), "brier": float("-inf")}]}
    register_model(engine, folder, "churn", model, train_start=START, train_end=END,
                   metrics=metrics)
    _, version = load_model(engine, folder, "churn")
    assert version.metrics == {"roc_auc": 0.91, "cv_sd": None,
                               "families": [{"family": "knn", "lift": None, "brier": None}]}


def test_the_libraries_that_wrote_a_model_are_recorded(engine: Engine, folder: Path) -> None:
    version = register_model(engine, folder, "clv", BetaGeoFitter(penalizer_coef=0.01),
                             train_start=START, train_end=END)
    import joblib
    import lifetimes

    assert version.library_versions == {
        "python": platform.python_version(), "numpy": np.__version__,
        "scikit-learn": sklearn.__version__, "joblib": joblib.__version__,
        "lifetimes": lifetimes.__version__,
    }
    assert version.params == {}  # no get_params(): nothing is guessed


def test_versions_count_up_per_name_and_earlier_ones_stay_loadable(
    engine: Engine, folder: Path
) -> None:
    for c in (0.1, 1.0, 10.0):
        register_model(engine, folder, "churn", _fitted(c)[0], train_start=START,
                       train_end=END)
    register_model(engine, folder, "propensity", _fitted()[0], train_start=START, train_end=END)
    assert [v.version for v in list_versions(engine, folder, "churn")] == [1, 2, 3]
    assert load_model(engine, folder, "churn")[0].C == 10.0
    assert load_model(engine, folder, "churn", 1)[0].C == 0.1
    assert load_model(engine, folder, "propensity")[1].version == 1
    assert list_versions(engine, folder, "unknown") == []


def test_registrations_at_once_get_distinct_numbers_and_their_own_files(
    engine: Engine, folder: Path
) -> None:
    def register(c: float) -> int:
        return register_model(engine, folder, "churn", _fitted(c)[0], train_start=START,
                              train_end=END).version

    with ThreadPoolExecutor(REGISTRATIONS) as pool:
        numbers = list(pool.map(register, [float(c) for c in range(1, REGISTRATIONS + 1)]))
    assert sorted(numbers) == list(range(1, REGISTRATIONS + 1))
    for c, number in enumerate(numbers, start=1):
        model, version = load_model(engine, folder, "churn", number)
        assert model.C == version.params["C"] == float(c)
    assert len(list((folder / "churn").iterdir())) == REGISTRATIONS


def test_a_model_written_under_another_minor_version_is_refused(
    engine: Engine, folder: Path
) -> None:
    register_model(engine, folder, "churn", _fitted()[0], train_start=START, train_end=END)
    _set_library_version(engine, "scikit-learn", "1.8.2")
    with pytest.raises(ModelVersionMismatchError,
                       match=rf"version 1 was written with scikit-learn 1\.8\.2 "
                             rf"\(installed: {sklearn.__version__}\)"):
        load_model(engine, folder, "churn")


def test_another_python_minor_version_is_refused_but_a_patch_release_is_not(
    engine: Engine, folder: Path
) -> None:
    register_model(engine, folder, "churn", _fitted()[0], train_start=START, train_end=END)
    major, minor, _ = (int(part) for part in np.__version__.split(".")[:3])
    _set_library_version(engine, "numpy", f"{major}.{minor}.999")
    assert load_model(engine, folder, "churn")[1].version == 1
    _set_library_version(engine, "python", "3.9.18")
    with pytest.raises(ModelVersionMismatchError, match=r"python 3\.9\.18"):
        load_model(engine, folder, "churn")


def test_a_changed_or_missing_artifact_is_refused(engine: Engine, folder: Path) -> None:
    version = register_model(engine, folder, "churn", _fitted()[0], train_start=START,
                             train_end=END)
    version.artifact.write_bytes(version.artifact.read_bytes() + b"\0")
    with pytest.raises(ModelArtifactError, match="not the file that was registered"):
        load_model(engine, folder, "churn")
    version.artifact.unlink()
    with pytest.raises(ModelArtifactError, match="is missing"):
        load_model(engine, folder, "churn")


def test_unknown_models_and_versions_say_what_is_missing(engine: Engine, folder: Path) -> None:
    with pytest.raises(UnknownModelError, match="registry holds no model 'churn'"):
        load_model(engine, folder, "churn")
    register_model(engine, folder, "churn", _fitted()[0], train_start=START, train_end=END)
    with pytest.raises(UnknownModelError, match="no version 2 of model 'churn'"):
        load_model(engine, folder, "churn", 2)


@pytest.mark.parametrize("name", ["Churn", "../x", "1st", ""])
def test_a_name_that_cannot_be_a_folder_is_refused(
    engine: Engine, folder: Path, name: str
) -> None:
    with pytest.raises(ValueError, match="must be lower-case letters"):
        register_model(engine, folder, name, _fitted()[0], train_start=START, train_end=END)


def test_a_training_window_that_ends_before_it_starts_is_refused(
    engine: Engine, folder: Path
) -> None:
    with pytest.raises(ValueError, match="training window starts after it ends"):
        register_model(engine, folder, "churn", _fitted()[0], train_start=END, train_end=START)
    assert not folder.exists()
