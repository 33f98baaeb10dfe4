"""Uploaded results: permissions, all-or-nothing, idempotent re-upload, the saved mapping, and
the figures on the card's summary and in the client report."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.core.errors import PermissionDenied
from tandem.reports import services
from tandem.reports.client_report import build_figures
from tandem.reports.models import AnalyticsKind, AnalyticsSnapshot, AnalyticsSource
from tandem.reports.selectors import results_summary

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parents[2] / "integrations" / "tests" / "data" / "results_files"


def upload(org, name: str, kind: str, role: str = "am1", **kwargs):
    return services.analytics_upload(
        actor=org.by_role_name(role).user, client=org.client_a, kind=kind, content=(DATA / name).read_bytes(),
        file_name=name, **kwargs,
    )


@pytest.mark.parametrize("role", ["am1", "group_head", "head", "admin"])
def test_managers_upload_positions(org, role) -> None:
    result = upload(org, "topvisor.csv", AnalyticsKind.TOPVISOR, role=role)
    assert result.days == 3 and result.first_day == date(2026, 11, 1)
    snap = AnalyticsSnapshot.objects.get(date=date(2026, 11, 1))
    assert (snap.avg_position, snap.top10_share, snap.visits) == (Decimal("7.33"), Decimal("50.00"), 0)


@pytest.mark.parametrize("role", ["finance", "spec1", "am2"])
def test_others_may_not_upload(org, role) -> None:
    with pytest.raises(PermissionDenied):
        upload(org, "topvisor.csv", AnalyticsKind.TOPVISOR, role=role)
    assert not AnalyticsSource.objects.exists()


def test_a_file_with_bad_lines_loads_nothing_and_names_them(org) -> None:
    upload(org, "topvisor.csv", AnalyticsKind.TOPVISOR)
    before = list(AnalyticsSnapshot.objects.values_list("date", "avg_position"))
    with pytest.raises(ValidationError) as caught:
        upload(org, "topvisor_bad.csv", AnalyticsKind.TOPVISOR)
    assert caught.value.message_dict["file"] == ["Строка 6, столбец «01.11.2026»: «--» — не позиция."]
    assert list(AnalyticsSnapshot.objects.values_list("date", "avg_position")) == before


def test_re_upload_is_idempotent_and_keeps_other_sources(org) -> None:
    upload(org, "yandex_direct_cp1251.csv", AnalyticsKind.YANDEX_DIRECT)
    upload(org, "topvisor.csv", AnalyticsKind.TOPVISOR)
    first = sorted(AnalyticsSnapshot.objects.values_list("source__kind", "date", "ad_spend", "avg_position"))
    upload(org, "yandex_direct_cp1251.csv", AnalyticsKind.YANDEX_DIRECT)
    assert sorted(AnalyticsSnapshot.objects.values_list("source__kind", "date", "ad_spend", "avg_position")) == first
    assert AnalyticsSnapshot.objects.count() == 5


def test_the_mapping_is_saved_per_client_and_source(org) -> None:
    content = "Число;Траты\n01.11.2026;100\n".encode()
    am = org.am1.user
    services.analytics_upload(actor=am, client=org.client_a, kind=AnalyticsKind.VK_ADS, content=content,
                              file_name="vk.csv", mapping={"date": "Число", "ad_spend": "Траты"})
    assert AnalyticsSource.objects.get(kind=AnalyticsKind.VK_ADS).column_mapping == {"date": "Число", "ad_spend": "Траты"}
    # next month: no mapping given, the saved one is used
    result = services.analytics_upload(actor=am, client=org.client_a, kind=AnalyticsKind.VK_ADS,
                                       content="Число;Траты\n01.12.2026;50\n".encode(), file_name="vk.csv")
    assert result.days == 1


def test_unknown_mapping_fields_and_api_kinds_are_refused(org) -> None:
    with pytest.raises(ValidationError):
        upload(org, "topvisor.csv", AnalyticsKind.TOPVISOR, mapping={"visits": "x"})
    with pytest.raises(ValidationError):
        upload(org, "topvisor.csv", AnalyticsKind.METRICA)


def _direct_csv(days: list[date]) -> bytes:
    lines = ["Дата;Расход (руб.)"] + [f"{d:%d.%m.%Y};1000" for d in days]
    return "\n".join(lines).encode()


def _positions_csv(days: list[date]) -> bytes:
    head = "Запрос;" + ";".join(f"{d:%d.%m.%Y}" for d in days)
    return "\n".join([head, "a;" + ";".join("4" for _ in days), "b;" + ";".join("20" for _ in days)]).encode()


def test_card_summary_and_client_report_show_spend_cost_per_lead_and_positions(org) -> None:
    today = timezone.localdate()
    days = [today - timedelta(days=n) for n in range(1, 4)]
    am = org.am1.user
    services.analytics_upload(actor=am, client=org.client_a, kind=AnalyticsKind.YANDEX_DIRECT,
                              content=_direct_csv(days), file_name="d.csv")
    services.analytics_upload(actor=am, client=org.client_a, kind=AnalyticsKind.SE_RANKING,
                              content=_positions_csv(days).replace("Запрос".encode(), b"Keyword"), file_name="p.csv")
    services.analytics_upload(actor=am, client=org.client_a, kind=AnalyticsKind.UPLOAD,
                              content=f"Дата;Визиты;Заявки\n{days[0]:%d.%m.%Y};100;6\n".encode(), file_name="u.csv")
    summary = results_summary(client=org.client_a, today=today)
    assert summary.current.ad_spend == Decimal("3000.00") and summary.current.cost_per_lead == Decimal("500.00")
    assert summary.current.avg_position == Decimal("12.00") and summary.current.top10_share == Decimal("50.00")
    assert summary.has_spend and summary.has_positions
    figures = build_figures(client=org.client_a, start=days[-1], end=days[0])
    rows = {r["key"]: r["current"] for r in figures.results["rows"]}
    assert rows["ad_spend"] == "3000.00" and rows["cost_per_lead"] == "500.00"
    assert rows["avg_position"] == "12.00" and rows["top10_share"] == "50.00"
