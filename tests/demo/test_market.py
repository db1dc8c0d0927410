"""The synthetic One Click files: the published layout, typos and quirks, a documented latent
model with its ground truth kept apart, byte-identical for a seed."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from demo.market import (
    DECREASED,
    DECREASED_SHARE,
    FILES,
    FIRST_ID,
    GROUND_TRUTH,
    MARKET_FILE_COLUMNS,
    OUTLIER_REVENUE,
    generate_market,
)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("market")
    return folder, generate_market(folder, customers=1300, seed=7)


def first_line(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[0]


def test_the_four_files_have_the_published_headers_and_separators(written) -> None:
    folder, summary = written
    assert first_line(folder / "market_file.csv") == ",".join(MARKET_FILE_COLUMNS)
    assert first_line(folder / "market_money.csv") == "id,Период,Выручка"
    assert first_line(folder / "market_time.csv") == "id,Период,минут"
    assert first_line(folder / "money.csv") == "id;Прибыль"
    profit = pd.read_csv(folder / "money.csv", sep=";", decimal=",")
    assert profit["Прибыль"].between(0.86, 7.43).all() and profit["Прибыль"].dtype == float
    assert summary.rows == {"market_file.csv": 1300, "market_money.csv": 3900,
                            "market_time.csv": 2600, "money.csv": 1300, GROUND_TRUTH: 1300}


def test_the_published_quirks_are_there(written) -> None:
    folder, _ = written
    profiles = pd.read_csv(folder / "market_file.csv")
    assert profiles["id"].tolist() == list(range(FIRST_ID, FIRST_ID + 1300))
    assert set(profiles["Тип сервиса"]) == {"премиум", "стандарт", "стандартт"}
    assert set(pd.read_csv(folder / "market_time.csv")["Период"]) == {"текущий_месяц",
                                                                     "предыдцщий_месяц"}
    money = pd.read_csv(folder / "market_money.csv")
    assert money["Выручка"].max() == OUTLIER_REVENUE > 100_000
    assert money.loc[money["Выручка"] == 0, "id"].nunique() == 3


def test_the_ground_truth_is_apart_and_agrees_with_the_labels(written) -> None:
    folder, summary = written
    assert GROUND_TRUTH not in FILES
    truth = pd.read_csv(folder / GROUND_TRUTH)
    labels = pd.read_csv(folder / "market_file.csv")[["id", "Покупательская активность"]]
    merged = truth.merge(labels, on="id")
    assert (merged["label"] == merged["Покупательская активность"]).all()
    decreased = (merged["label"] == DECREASED).mean()
    assert abs(decreased - DECREASED_SHARE) < 3 * (0.38 * 0.62 / 1300) ** 0.5 + 0.01
    # the label is drawn from the probability: decreasing customers have higher ones
    by_label = merged.groupby(merged["label"] == DECREASED)["decline_probability"].mean()
    assert by_label[True] > by_label[False] + 0.3
    assert 0.92 < summary.bayes_auc < 0.96


def _digest(folder: Path) -> dict[str, str]:
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
            for name in (*FILES, GROUND_TRUTH)}


def test_the_same_seed_writes_the_same_bytes(written, tmp_path) -> None:
    folder, _ = written
    generate_market(tmp_path / "again", customers=1300, seed=7)
    assert _digest(tmp_path / "again") == _digest(folder)
    generate_market(tmp_path / "other", customers=1300, seed=8)
    assert _digest(tmp_path / "other") != _digest(folder)


def test_ids_can_name_a_shops_own_customers(tmp_path) -> None:
    generate_market(tmp_path, customers=20, seed=1, ids=[f"c{i}" for i in range(20)])
    assert pd.read_csv(tmp_path / "money.csv", sep=";")["id"].tolist() == [
        f"c{i}" for i in range(20)]
    with pytest.raises(ValueError, match="3 ids given for 20 customers"):
        generate_market(tmp_path, customers=20, ids=["a", "b", "c"])
