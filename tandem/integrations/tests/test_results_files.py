"""Uploaded positions and ad-spend exports: shapes, header search, bad cells by line."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from tandem.integrations import results_files as rf

DATA = Path(__file__).parent / "data" / "results_files"


def load(name: str, kind: str, **mapping: str) -> rf.ParsedFile:
    return rf.parse((DATA / name).read_bytes(), name, kind=kind, mapping=mapping)


def test_topvisor_positions_by_day_below_title_lines() -> None:
    parsed = load("topvisor.csv", "topvisor")
    assert parsed.errors == [] and parsed.fields == ["avg_position", "top10_share"]
    first = parsed.days[date(2026, 11, 1)]
    # 3, 12, not found, 7 (+2): mean over the three found, top 10 over all four queries
    assert first.avg_position == Decimal("7.33") and first.top10_share == Decimal("50.00")
    assert parsed.days[date(2026, 11, 2)].avg_position == Decimal("15.25")


def test_se_ranking_iso_dates_and_dashes() -> None:
    parsed = load("se_ranking.csv", "se_ranking")
    assert parsed.days[date(2026, 11, 1)].avg_position == Decimal("8.00")
    assert parsed.days[date(2026, 11, 2)].top10_share == Decimal("33.33")


def test_direct_cp1251_adds_campaigns_of_a_day_and_skips_the_total() -> None:
    parsed = load("yandex_direct_cp1251.csv", "yandex_direct")
    assert parsed.errors == [] and parsed.fields == ["ad_spend"]
    assert {d: f.ad_spend for d, f in parsed.days.items()} == {
        date(2026, 11, 1): Decimal("2000.00"), date(2026, 11, 2): Decimal("1300.00"),
    }


def test_vk_ads_xlsx_with_real_dates() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Дата", "Показы", "Потрачено, ₽"])
    sheet.append([datetime(2026, 11, 1), 1000, 512.5])
    sheet.append([datetime(2026, 11, 2), 900, "487,50"])
    buffer = io.BytesIO()
    book.save(buffer)
    parsed = rf.parse(buffer.getvalue(), "vk.xlsx", kind="vk_ads")
    assert parsed.errors == [] and parsed.days[date(2026, 11, 2)].ad_spend == Decimal("487.50")


def test_bad_lines_are_all_reported_with_their_numbers() -> None:
    parsed = load("upload_bad.csv", "upload")
    assert parsed.errors == ["Строка 3: «вчера» — не дата.", "Строка 4, столбец «Визиты»: «abc» — не число."]
    assert load("topvisor_bad.csv", "topvisor").errors == ["Строка 6, столбец «01.11.2026»: «--» — не позиция."]


def test_a_saved_mapping_finds_renamed_columns() -> None:
    content = "Число;Траты\n01.11.2026;100\n".encode()
    with pytest.raises(rf.FileUnreadable):
        rf.parse(content, "x.csv", kind="yandex_direct")
    parsed = rf.parse(content, "x.csv", kind="yandex_direct", mapping={"date": "Число", "ad_spend": "Траты"})
    assert parsed.days[date(2026, 11, 1)].ad_spend == Decimal("100.00")


@pytest.mark.parametrize("content", [b"", b"\x00\x01binary", b"PK\x03\x04broken"])
def test_unreadable_files(content: bytes) -> None:
    with pytest.raises(rf.FileUnreadable):
        rf.parse(content, "x.csv", kind="upload")
