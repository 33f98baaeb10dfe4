"""1C export API: create, paginated list, file; rights per role (nothing written when refused)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest

from tandem.billing.models import OneCExport
from tandem.billing.tests.helpers import issued_invoice
from tandem.integrations import onec as xml

pytestmark = pytest.mark.django_db
URL = "/api/v1/billing/onec-exports/"
WRITERS = ["head", "finance", "admin"]
OTHERS = ["group_head", "am1", "spec1"]
FEB = {"period_start": "2026-02-01", "period_end": "2026-02-28"}


@pytest.fixture
def feb(money):
    money.inv = issued_invoice(money.finance, money.client_a, "12200.00", on=date(2026, 2, 2))
    return money


@pytest.mark.parametrize("role", WRITERS)
def test_writers_export_list_and_download(feb, api_client_for, role):
    # given a writer
    api = api_client_for(getattr(feb, role))
    # when they export February
    created = api.post(URL, FEB, format="json")
    # then the record says what is in the file
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["invoice_count"], body["act_count"], body["document_count"], body["mode"]) == (1, 0, 1, "changed")
    # and the list is the paginated envelope
    listed = api.get(URL).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    # and the file is the EnterpriseData XML with the invoice
    file = api.get(body["file_url"])
    assert file.status_code == 200 and file["Content-Type"].startswith("application/xml")
    root = ET.fromstring(file.content)
    numbers = [e.text for e in root.iter(f"{{{xml.format_ns()}}}Номер")]
    assert numbers == [feb.inv.number]
    # and a second export right after is empty
    assert api.post(URL, FEB, format="json").json()["document_count"] == 0


@pytest.mark.parametrize("role", OTHERS)
def test_others_are_refused_and_nothing_is_written(feb, api_client_for, role):
    api = api_client_for(getattr(feb, role))
    assert api.post(URL, FEB, format="json").status_code == 403
    assert not OneCExport.objects.exists()
    assert api.get(URL).json()["count"] == 0


@pytest.mark.parametrize("role", [*OTHERS, "outsider"])
def test_file_of_others_is_404(feb, api_client_for, role):
    export_id = api_client_for(feb.finance).post(URL, FEB, format="json").json()["id"]
    assert api_client_for(getattr(feb, role)).get(f"{URL}{export_id}/file/").status_code == 404


def test_another_agency_sees_none_of_ours(feb, api_client_for):
    api_client_for(feb.finance).post(URL, FEB, format="json")
    assert api_client_for(feb.outsider).get(URL).json()["count"] == 0


def test_bad_input_is_400_with_fields(feb, api_client_for):
    api = api_client_for(feb.finance)
    r = api.post(URL, {"period_start": "2026-03-01", "period_end": "2026-02-01", "mode": "nope"}, format="json")
    assert r.status_code == 400 and "mode" in r.json()
    r = api.post(URL, {"period_start": "2026-03-01", "period_end": "2026-02-01"}, format="json")
    assert r.status_code == 400 and "period_end" in r.json()
    assert not OneCExport.objects.exists()


def test_list_is_in_the_schema(api_client_for, feb):
    schema = api_client_for(feb.finance).get("/api/schema/?format=json").json()
    assert "/api/v1/billing/onec-exports/" in schema["paths"]
    post = schema["paths"]["/api/v1/billing/onec-exports/"]["post"]
    assert "201" in post["responses"]
    assert "application/xml" in schema["paths"]["/api/v1/billing/onec-exports/{id}/file/"]["get"]["responses"]["200"]["content"]
