"""Loading the One Click files as published (Russian headers and values, typos, ``;`` and
decimal commas) or with English names; bad rows, refusals, re-loads."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from demo.market import generate_market
from tests.support.raw_files import query
from warehouse.ingest.market import IngestError, ingest_market

PUBLISHED = {
    "market_file.csv": (
        "id,Покупательская активность,Тип сервиса,Разрешить сообщать,Маркет_актив_6_мес,"
        "Маркет_актив_тек_мес,Длительность,Акционные_покупки,Популярная_категория,"
        "Средний_просмотр_категорий_за_визит,Неоплаченные_продукты_штук_квартал,Ошибка_сервиса,"
        "Страниц_за_визит\n"
        "215348,Снизилась,премиум,да,3.4,5,121,0.0,Товары для детей,6,2,1,5\n"
        "215349,Снизилась,стандартт,да,4.4,4,819,0.75,Товары для детей,4,4,2,5\n"
        "215350,Прежний уровень,стандарт,нет,4.9,3,539,0.14,Домашний текстиль,5,2,1,5\n"
        "215351,,стандарт,да,3.2,5,896,0.99,Косметика и аксесуары,5,0,6,4\n"
    ),
    "market_money.csv": (
        "id,Период,Выручка\n"
        "215348,препредыдущий_месяц,0.0\n215348,текущий_месяц,3293.1\n"
        "215348,предыдущий_месяц,0.0\n"
        "215349,препредыдущий_месяц,4472.0\n215349,текущий_месяц,4971.6\n"
        "215349,предыдущий_месяц,5216.0\n"
        "215350,препредыдущий_месяц,4826.0\n215350,текущий_месяц,5058.4\n"
        "215350,предыдущий_месяц,5457.5\n"
        "215351,препредыдущий_месяц,4793.0\n215351,текущий_месяц,6610.4\n"
        "215351,предыдущий_месяц,6158.0\n"
    ),
    "market_time.csv": (
        "id,Период,минут\n"
        "215348,текущий_месяц,14\n215348,предыдцщий_месяц,13\n"
        "215349,текущий_месяц,10\n215349,предыдцщий_месяц,12\n"
        "215350,текущий_месяц,13\n215350,предыдцщий_месяц,8\n"
        "215351,текущий_месяц,13\n215351,предыдцщий_месяц,11\n"
    ),
    "money.csv": "id;Прибыль\n215348;0,98\n215349;4,16\n215350;3,13\n215351;4,87\n",
}
ENGLISH = {
    "market_file.csv": (
        "customer_id;purchase_activity;service_type;allows_notifications;marketing_contacts_6m;"
        "marketing_contacts_current_month;tenure_days;promotion_share;popular_category;"
        "categories_per_visit;unpaid_items_3m;service_errors;pages_per_visit\n"
        "c1;decreased;premium;yes;3,4;5;121;0,25;toys;6;2;1;5,5\n"
    ),
    "market_money.csv": ("customer_id;period;revenue\nc1;current_month;3293,1\n"
                         "c1;previous_month;1000\nc1;earlier_month;999,5\n"),
    "market_time.csv": "customer_id;period;minutes\nc1;current_month;14\nc1;previous_month;13,5\n",
    "money.csv": "customer_id;profit\nc1;-0,5\n",
}


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def ingest(db: Path, folder: Path):
    return ingest_market(db, folder, progress=False)


def test_the_published_files_load_in_english_with_typos_normalised(tmp_path) -> None:
    db = tmp_path / "w.duckdb"
    summary = ingest(db, write_folder(tmp_path / "published", PUBLISHED))
    assert summary.rows_loaded == 4 + 12 + 8 + 4 and summary.rows_rejected == 0
    assert query(db, "SELECT * FROM market_customers ORDER BY customer_id") == [
        ("215348", "decreased", "premium", "yes", 3.4, 5.0, 121, 0.0, "children's goods",
         6.0, 2, 1, 5.0),
        ("215349", "decreased", "standard", "yes", 4.4, 4.0, 819, 0.75, "children's goods",
         4.0, 4, 2, 5.0),
        ("215350", "previous level", "standard", "no", 4.9, 3.0, 539, 0.14, "home textiles",
         5.0, 2, 1, 5.0),
        # an empty label loads as NULL: the customer is scored, not trained on
        ("215351", None, "standard", "yes", 3.2, 5.0, 896, 0.99, "cosmetics and accessories",
         5.0, 0, 6, 4.0),
    ]
    assert query(db, "SELECT period, revenue_amount FROM market_revenue "
                     "WHERE customer_id = '215349' ORDER BY period") == [
        ("current_month", 4971.6), ("earlier_month", 4472.0), ("previous_month", 5216.0)]
    assert query(db, "SELECT DISTINCT period FROM market_minutes ORDER BY 1") == [
        ("current_month",), ("previous_month",)]
    # money.csv: ';' between values and decimal commas
    assert query(db, "SELECT * FROM market_profit ORDER BY customer_id") == [
        ("215348", 0.98), ("215349", 4.16), ("215350", 3.13), ("215351", 4.87)]
    assert summary.notes == [
        "market_file.csv: normalised 1 value(s) with the known typo 'стандартт' to 'стандарт' "
        "(service_type).",
        "market_time.csv: normalised 4 value(s) with the known typo 'предыдцщий_месяц' to "
        "'предыдущий_месяц' (period).",
    ]
    assert "known typo 'стандартт'" in str(summary)
    assert query(db, "SELECT DISTINCT kind FROM loads") == [("market",)]


def test_english_headers_semicolons_and_decimal_commas_everywhere_load_too(tmp_path) -> None:
    db = tmp_path / "w.duckdb"
    summary = ingest(db, write_folder(tmp_path / "english", ENGLISH))
    assert summary.rows_rejected == 0 and summary.notes == []
    assert query(db, "SELECT marketing_contacts_6m, promotion_share, popular_category, "
                     "pages_per_visit FROM market_customers") == [(3.4, 0.25, "toys", 5.5)]
    assert query(db, "SELECT sum(revenue_amount) FROM market_revenue") == [(5292.6,)]
    assert query(db, "SELECT minutes FROM market_minutes ORDER BY period") == [(14.0,), (13.5,)]
    assert query(db, "SELECT profit_amount FROM market_profit") == [(-0.5,)]


def test_the_demo_files_load_whole_and_a_second_load_adds_nothing(tmp_path) -> None:
    folder = tmp_path / "market"
    generate_market(folder, customers=200, seed=3)
    db = tmp_path / "w.duckdb"
    first = ingest(db, folder)
    assert first.rows_loaded == 200 * (1 + 3 + 2 + 1) and first.rows_rejected == 0
    again = ingest(db, folder)
    assert again.rows_loaded == 0 and again.total("already_loaded") == first.rows_loaded
    assert query(db, "SELECT count(*) FROM market_revenue") == [(600,)]


def test_a_customer_loaded_again_with_other_values_is_updated_not_duplicated(tmp_path) -> None:
    db = tmp_path / "w.duckdb"
    ingest(db, write_folder(tmp_path / "v1", PUBLISHED))
    corrected = {**PUBLISHED, "money.csv": PUBLISHED["money.csv"].replace("215348;0,98",
                                                                          "215348;1,25")}
    ingest(db, write_folder(tmp_path / "v2", corrected))
    assert query(db, "SELECT count(*), sum(profit_amount) FROM market_profit") == [
        (4, pytest.approx(1.25 + 4.16 + 3.13 + 4.87))]


def bad_folder(tmp_path: Path, replacements: dict[str, list[tuple[int, str]]]) -> Path:
    """Demo files (100 customers) with some lines (1 = header) replaced."""
    folder = tmp_path / "bad"
    generate_market(folder, customers=100, seed=3)
    for name, changes in replacements.items():
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        for number, text in changes:
            lines[number - 1] = text
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def test_bad_rows_are_rejected_with_their_line_number_and_reason(tmp_path) -> None:
    folder = bad_folder(tmp_path, {
        "market_file.csv": [
            (3, "215349,Снизилась,стандарт,да,4.4,4,819,1.5,Товары для детей,4,4,2,5"),
            (10, "215356,Снизилась,vip,да,4.4,4,819,0.5,Товары для детей,4,4,2,5"),
            (20, "215366,Снизилась,стандарт,да,много,4,819,0.5,Товары для детей,4,4,2,5"),
        ],
        "money.csv": [(5, "215351;4.1.2")],
    })
    db = tmp_path / "w.duckdb"
    summary = ingest(db, folder)
    assert summary.rows_rejected == 4
    assert query(db, "SELECT file, line_number, reason FROM rejected_rows "
                     "ORDER BY file, line_number") == [
        ("market_file.csv", 3, "promotion share 1.5 is above 1"),
        ("market_file.csv", 10, "service type 'vip' is not one of: премиум, стандарт, "
                                "стандартт, premium, standard"),
        ("market_file.csv", 20, "marketing contacts (6-month average) 'много' is not a number"),
        ("money.csv", 5, "profit '4.1.2' is not a number"),
    ]
    assert query(db, "SELECT count(*) FROM market_customers") == [(97,)]


def test_a_customer_given_twice_with_different_values_is_rejected_both_times(tmp_path) -> None:
    folder = bad_folder(tmp_path, {"money.csv": [(3, "215348;9,99")]})  # line 2 is 215348 too
    db = tmp_path / "w.duckdb"
    ingest(db, folder)
    assert query(db, "SELECT line_number, reason FROM rejected_rows ORDER BY 1") == [
        (2, "customer 215348 appears more than once with different values"),
        (3, "customer 215348 appears more than once with different values")]
    assert query(db, "SELECT count(*) FROM market_profit WHERE customer_id = '215348'") == [(0,)]


def test_too_many_bad_rows_refuse_the_whole_load(tmp_path) -> None:
    folder = bad_folder(tmp_path, {"market_time.csv": [
        (n, f"{215348 + n},вчера,12") for n in range(2, 22)]})
    db = tmp_path / "w.duckdb"
    with pytest.raises(IngestError, match=r"market_time.csv: 20 of 200 rows \(10.0%\) are bad.*"
                                          r"line 2: period 'вчера' is not one of"):
        ingest(db, folder)
    with duckdb.connect(str(db), read_only=True) as con:
        # the load was one transaction: not even its tables or its log row remain
        assert con.execute("SHOW TABLES").fetchall() == []


def test_a_missing_file_or_column_is_named(tmp_path) -> None:
    partial = write_folder(tmp_path / "partial",
                           {k: v for k, v in PUBLISHED.items() if k != "money.csv"})
    with pytest.raises(FileNotFoundError, match=r"lacks money\.csv"):
        ingest(tmp_path / "w.duckdb", partial)
    no_profit = write_folder(tmp_path / "no-profit",
                             {**PUBLISHED, "money.csv": "id;Доход\n215348;1\n"})
    with pytest.raises(IngestError, match=r"money\.csv: missing column 'profit_amount'.*"
                                          r"also read as: прибыль, profit\)"):
        ingest(tmp_path / "w.duckdb", no_profit)
