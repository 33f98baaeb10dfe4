"""«Выгрузка в 1С» page: who sees it, the form, the list with downloads, the query budget."""

from __future__ import annotations

from datetime import date

import pytest

from tandem.billing.models import OneCExport
from tandem.billing.onec import onec_export_create
from tandem.billing.tests.helpers import issued_invoice

pytestmark = pytest.mark.django_db
URL = "/billing/onec/"


@pytest.fixture
def feb(money):
    money.inv = issued_invoice(money.finance, money.client_a, "12200.00", on=date(2026, 2, 2))
    return money


@pytest.mark.parametrize("role", ["group_head", "am1", "spec1"])
def test_others_get_404_and_no_menu_entry(feb, web_client_for, role):
    client = web_client_for(getattr(feb, role))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"period_start": "01.02.2026", "period_end": "28.02.2026", "mode": "changed"}).status_code == 404
    assert not OneCExport.objects.exists()
    assert "Выгрузка в 1С" not in client.get("/").content.decode()


@pytest.mark.parametrize("role", ["finance", "head", "admin"])
def test_export_from_the_page(feb, web_client_for, role):
    client = web_client_for(getattr(feb, role))
    # when the form is sent for February
    r = client.post(URL, {"period_start": "01.02.2026", "period_end": "28.02.2026", "mode": "changed"})
    # then an export is recorded and listed with its download link
    assert r.status_code == 302
    export = OneCExport.objects.get()
    page = client.get(URL).content.decode()
    assert f"/billing/onec/{export.pk}/file/" in page
    assert client.get(f"/billing/onec/{export.pk}/file/").content == bytes(export.content)


def test_form_errors_next_to_the_field(feb, web_client_for):
    r = web_client_for(feb.finance).post(URL, {"period_start": "01.03.2026", "period_end": "01.02.2026", "mode": "changed"})
    assert r.status_code == 200
    assert "Конец периода раньше начала." in r.content.decode()
    assert not OneCExport.objects.exists()


def test_page_queries_do_not_grow_with_exports(feb, web_client_for, django_assert_max_num_queries):
    for _ in range(5):
        onec_export_create(actor=feb.finance.user, period_start=date(2026, 2, 1), period_end=date(2026, 2, 28))
    client = web_client_for(feb.finance)
    with django_assert_max_num_queries(14):
        r = client.get(URL)
    assert r.status_code == 200
    assert r.content.decode().count("Скачать XML") == 5
