"""Invoice editor and act pages: create/edit drafts with line rows, issue, cancel with a reason,
acts from unclosed lines, sent and signed; permissions by role with nothing changed when denied."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.billing import services
from tandem.billing.models import Act, Invoice, InvoiceLine
from tandem.billing.tests.factories import ServiceFactory
from tandem.billing.tests.helpers import issued_invoice

pytestmark = pytest.mark.django_db
ROLES = ["head", "finance", "admin", "group_head", "am1", "am2", "spec1", "spec2", "outsider"]
WRITERS = {"head", "finance", "admin"}
SEES_A = WRITERS | {"group_head", "am1"}


def _payload(money, **extra) -> dict:
    data = {
        "client": money.client_a.pk, "contract": money.contract_a.pk, "date": "2026-03-02", "notes": "",
        "lines-TOTAL_FORMS": "3", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        # row 1 was removed in the browser: the numbering has a gap
        "lines-0-name": "SEO за март", "lines-0-quantity": "1", "lines-0-unit": "усл.", "lines-0-price": "1000.00",
        "lines-2-name": "Аудит", "lines-2-quantity": "2", "lines-2-unit": "шт.", "lines-2-price": "250.50",
        "lines-2-period_start": "2026-03-01", "lines-2-period_end": "2026-03-31",
    }
    data.update(extra)
    return data


def test_create_draft_with_lines_and_a_removed_row(money, web_client_for):
    response = web_client_for(money.finance).post("/invoices/new/", _payload(money))

    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/invoices/{invoice.pk}/"
    assert invoice.status == "draft" and invoice.contract == money.contract_a
    assert invoice.due_date == date(2026, 3, 12)  # the contract's 10 days
    assert [(ln.name, ln.amount) for ln in invoice.lines.all()] == [
        ("SEO за март", Decimal("1000.00")), ("Аудит", Decimal("501.00"))]
    assert invoice.total == Decimal("1501.00") and invoice.vat_rate == Decimal("22.00")
    assert invoice.lines.get(name="Аудит").period_end == date(2026, 3, 31)


def test_create_and_issue_in_one_step(money, web_client_for):
    web_client_for(money.finance).post("/invoices/new/", _payload(money, issue="1"))

    invoice = Invoice.objects.get()
    assert invoice.status == "issued" and invoice.number


def test_line_with_a_service_and_no_description_is_named_after_it(money, web_client_for):
    service = ServiceFactory(agency=money.agency, name="Контекстная реклама")
    data = _payload(money, **{"lines-0-name": "", "lines-0-service": str(service.pk)})

    web_client_for(money.finance).post("/invoices/new/", data)

    line = InvoiceLine.objects.get(service=service)
    assert line.name == "Контекстная реклама"


def test_errors_are_shown_in_place_and_nothing_is_saved(money, web_client_for):
    data = _payload(money, **{"lines-0-price": "", "lines-2-name": "", "date": "31.02.2026"})

    response = web_client_for(money.finance).post("/invoices/new/", data)

    html = response.content.decode()
    assert response.status_code == 200 and not Invoice.objects.exists()
    assert "Выберите услугу или опишите строку." in html
    assert html.count('class="error"') >= 3  # date, price of row 0, description of row 2


def test_no_lines_at_all_is_an_error_above_the_lines(money, web_client_for):
    data = {k: v for k, v in _payload(money).items() if not k.startswith("lines-0") and not k.startswith("lines-2")}

    response = web_client_for(money.finance).post("/invoices/new/", data)

    assert 'id="line-errors"' in response.content.decode() and not Invoice.objects.exists()


def test_contract_of_another_client_is_refused_on_the_field(money, web_client_for):
    response = web_client_for(money.finance).post("/invoices/new/", _payload(money, contract=money.contract_b.pk))

    assert response.status_code == 200 and not Invoice.objects.exists()
    assert "contract" in response.context["form"].errors


@pytest.mark.parametrize("role", ROLES)
def test_create_page_denied_changes_nothing(money, web_client_for, role):
    client = web_client_for(money.by_role_name(role))

    page = client.get("/invoices/new/")
    response = client.post("/invoices/new/", _payload(money))

    if role in WRITERS:
        assert page.status_code == 200 and response.status_code == 302 and Invoice.objects.count() == 1
    elif role == "outsider":  # a head of another agency: our client is not among theirs
        assert page.status_code == 200 and response.context["form"].errors["client"]
        assert not Invoice.objects.exists()
    else:
        assert page.status_code == 404 and response.status_code == 404
        assert not Invoice.objects.exists()


def test_htmx_line_row_and_contract_options(money, web_client_for):
    client = web_client_for(money.finance)

    row = client.get("/invoices/new/line/?lines-TOTAL_FORMS=4", HTTP_HX_REQUEST="true").content.decode()
    options = client.get(f"/invoices/new/contracts/?client={money.client_b.pk}").content.decode()

    assert 'name="lines-4-price"' in row and 'value="5"' in row and "hx-swap-oob" in row
    assert money.contract_b.number in options and money.contract_a.number not in options
    assert web_client_for(money.am1).get("/invoices/new/line/").status_code == 404


def test_edit_a_draft(money, web_client_for):
    draft = services.invoice_create(actor=money.finance.user, client=money.client_a, contract=money.contract_a,
                                    date=date(2026, 3, 2), lines=[services.LineInput(name="x", price=Decimal("5"))])
    client = web_client_for(money.finance)

    page = client.get(f"/invoices/{draft.pk}/edit/")
    response = client.post(f"/invoices/{draft.pk}/edit/", _payload(money, date="2026-03-05", notes="правка"))

    draft.refresh_from_db()
    assert page.status_code == 200 and 'value="x"' in page.content.decode()
    assert response.status_code == 302 and draft.notes == "правка" and draft.date == date(2026, 3, 5)
    assert draft.lines.count() == 2 and draft.total == Decimal("1501.00") and draft.status == "draft"


def test_issued_invoice_is_not_edited(money, web_client_for):
    invoice = issued_invoice(money.finance, money.client_a, "100.00")

    response = web_client_for(money.finance).post(f"/invoices/{invoice.pk}/edit/", _payload(money))

    invoice.refresh_from_db()
    assert response.status_code == 302 and invoice.total == Decimal("100.00")


@pytest.mark.parametrize("role", ROLES)
def test_edit_denied_changes_nothing(money, web_client_for, role):
    draft = services.invoice_create(actor=money.finance.user, client=money.client_a, date=date(2026, 3, 2),
                                    lines=[services.LineInput(name="x", price=Decimal("5"))])

    response = web_client_for(money.by_role_name(role)).post(f"/invoices/{draft.pk}/edit/", _payload(money))

    draft.refresh_from_db()
    if role in WRITERS:
        assert response.status_code == 302 and draft.total == Decimal("1501.00")
    else:
        assert response.status_code == (403 if role in SEES_A else 404) and draft.total == Decimal("5.00")


@pytest.mark.parametrize("role", ROLES)
def test_cancel_with_reason(money, web_client_for, role):
    invoice = issued_invoice(money.finance, money.client_a, "100.00")

    response = web_client_for(money.by_role_name(role)).post(f"/invoices/{invoice.pk}/cancel/",
                                                             {"reason": "Ошибка в сумме"})

    invoice.refresh_from_db()
    if role in WRITERS:
        assert response.status_code == 302 and invoice.status == "cancelled"
        assert invoice.cancel_reason == "Ошибка в сумме" and Invoice.objects.filter(pk=invoice.pk).exists()
    else:
        assert response.status_code == (403 if role in SEES_A else 404) and invoice.status == "issued"


def test_cancel_without_reason_shows_the_error_under_the_field(money, web_client_for):
    invoice = issued_invoice(money.finance, money.client_a, "100.00")

    response = web_client_for(money.finance).post(f"/invoices/{invoice.pk}/cancel/", {"reason": " "})

    invoice.refresh_from_db()
    assert response.status_code == 400 and invoice.status == "issued"
    assert response.context["cancel_form"].errors["reason"]


# --- acts ----------------------------------------------------------------------------------------


def _two_line_invoice(money) -> Invoice:
    invoice = services.invoice_create(
        actor=money.finance.user, client=money.client_a, contract=money.contract_a, date=date(2026, 2, 2),
        lines=[services.LineInput(name="SEO", price=Decimal("1000")), services.LineInput(name="Аудит", price=Decimal("500"))],
    )
    return services.invoice_issue(actor=money.finance.user, invoice=invoice)


def test_act_from_chosen_unclosed_lines(money, web_client_for):
    invoice = _two_line_invoice(money)
    seo = invoice.lines.get(name="SEO")
    client = web_client_for(money.finance)

    form = client.get(f"/invoices/{invoice.pk}/act/")
    response = client.post(f"/invoices/{invoice.pk}/act/", {
        "lines": [seo.pk], "date": "2026-02-28", "client_signer_name": "Петров П. П.",
        "client_signer_position": "Директор"})
    second_form = client.get(f"/invoices/{invoice.pk}/act/")

    act = Act.objects.get()
    assert form.status_code == 200 and "Аудит" in form.content.decode()
    assert response.status_code == 302 and response["Location"] == f"/acts/{act.pk}/"
    assert [ln.name for ln in act.lines.all()] == ["SEO"] and act.total == Decimal("1000.00")
    assert act.client_signer_name == "Петров П. П." and act.date == date(2026, 2, 28)
    assert "SEO" not in second_form.context["form"].fields["lines"].queryset.values_list("name", flat=True)


def test_act_date_before_the_invoice_is_an_inline_error(money, web_client_for):
    invoice = _two_line_invoice(money)

    response = web_client_for(money.finance).post(f"/invoices/{invoice.pk}/act/", {
        "lines": [invoice.lines.first().pk], "date": "2026-01-01"})

    assert response.status_code == 200 and response.context["form"].errors["date"]
    assert not Act.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_act_create_denied_changes_nothing(money, web_client_for, role):
    invoice = _two_line_invoice(money)

    response = web_client_for(money.by_role_name(role)).post(f"/invoices/{invoice.pk}/act/", {
        "lines": [ln.pk for ln in invoice.lines.all()], "date": "2026-02-28"})

    if role in WRITERS:
        assert response.status_code == 302 and Act.objects.count() == 1
    else:
        assert response.status_code == (403 if role in SEES_A else 404) and not Act.objects.exists()


def test_act_sent_then_signed_with_a_date(money, web_client_for):
    act = services.act_create(actor=money.finance.user, invoice=_two_line_invoice(money), date=date(2026, 2, 28))
    client = web_client_for(money.finance)

    page = client.get(f"/acts/{act.pk}/")
    client.post(f"/acts/{act.pk}/sent/")
    act.refresh_from_db()
    sent_status = act.status
    client.post(f"/acts/{act.pk}/signed/", {"signed_on": "2026-03-03", "client_signer_name": "Петров"})

    act.refresh_from_db()
    assert page.status_code == 200 and f"/acts/{act.pk}/pdf/" in page.content.decode()
    assert sent_status == "sent" and act.sent_at is not None
    assert act.status == "signed" and act.signed_on == date(2026, 3, 3) and act.client_signer_name == "Петров"


def test_signing_before_the_act_date_is_an_inline_error(money, web_client_for):
    act = services.act_create(actor=money.finance.user, invoice=_two_line_invoice(money), date=date(2026, 2, 28))

    response = web_client_for(money.finance).post(f"/acts/{act.pk}/signed/", {"signed_on": "2026-02-01"})

    act.refresh_from_db()
    assert response.status_code == 400 and response.context["sign_form"].errors["signed_on"]
    assert act.status == "draft"


@pytest.mark.parametrize("role", ROLES)
def test_act_pages_and_actions_by_role(money, web_client_for, role):
    act = services.act_create(actor=money.finance.user, invoice=_two_line_invoice(money), date=date(2026, 2, 28))
    client = web_client_for(money.by_role_name(role))

    page = client.get(f"/acts/{act.pk}/")
    sent = client.post(f"/acts/{act.pk}/sent/")
    signed = client.post(f"/acts/{act.pk}/signed/", {"signed_on": str(timezone.localdate())})

    act.refresh_from_db()
    assert page.status_code == (200 if role in SEES_A else 404)
    if role in WRITERS:
        assert act.status == "signed"
    else:
        assert sent.status_code in (403, 404) and signed.status_code in (403, 404)
        assert act.status == "draft" and act.sent_at is None


@pytest.mark.parametrize("role", ROLES)
def test_act_list_is_scoped(money, web_client_for, role):
    services.act_create(actor=money.finance.user, invoice=_two_line_invoice(money), date=date(2026, 2, 28))

    response = web_client_for(money.by_role_name(role)).get("/acts/")

    if role.startswith("spec"):
        assert response.status_code == 404
    else:
        assert response.status_code == 200
        assert len(response.context["acts"]) == (1 if role in SEES_A else 0)


def test_act_list_query_count_is_bounded(money, web_client_for, django_assert_max_num_queries):
    for i in range(15):
        invoice = issued_invoice(money.finance, money.client_a if i % 2 else money.client_b, f"{100 + i}.00",
                                 on=date(2026, 1, 1) + timedelta(days=i))
        services.act_create(actor=money.finance.user, invoice=invoice, date=date(2026, 2, 1))
    client = web_client_for(money.head)

    with django_assert_max_num_queries(10):
        response = client.get("/acts/")

    assert response.status_code == 200 and len(response.context["acts"]) == 15
