"""Documents from DOCX templates: defaults, upload checks, contract / act / КП generation."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from docx import Document

from tandem.billing import services as billing_services
from tandem.billing.tests.helpers import issued_invoice
from tandem.contracts.tests.factories import ServiceFactory
from tandem.core.errors import PermissionDenied
from tandem.reports import documents, services
from tandem.reports.models import DocumentKind, DocumentTemplate

pytestmark = pytest.mark.django_db


def _docx(*paragraphs: str) -> bytes:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _text(data: bytes) -> str:
    return "\n".join(documents.docx_paragraphs(data))


@pytest.mark.parametrize("kind", DocumentKind.values)
def test_every_default_template_passes_its_own_check(kind):
    template = documents.default_template(kind)

    documents.validate_template(kind, template)

    assert documents.ROOTS[kind] >= {"agency", "client", "today"}


def test_admin_uploads_a_template_that_replaces_the_active_one(org):
    first = services.document_template_upload(actor=org.admin.user, kind="act", name="Акт v1",
                                              content=_docx("Акт № {{ act.number }} для {{ client.name }}"))
    second = services.document_template_upload(actor=org.head.user, kind="act", name="Акт v2",
                                               content=_docx("Акт {{ act.number }}: {{ amount_words }}"))

    first.refresh_from_db()
    assert not first.is_active and second.is_active
    assert "{{ amount_words }}" in _text(services.active_template(org.agency, "act"))


@pytest.mark.parametrize(("content", "reason"), [
    (_docx("{{ client.nmae }}"), "nmae"),
    (_docx("{{ unknown_field }}"), "unknown_field"),
    (_docx("{% for x in lines %}"), "строка"),
    (b"not a docx", "DOCX"),
])
def test_broken_templates_are_refused_with_the_reason(org, content, reason):
    with pytest.raises(ValidationError) as exc:
        services.document_template_upload(actor=org.admin.user, kind="act", name="Плохой", content=content)

    assert reason in exc.value.message_dict["file"][0]
    assert not DocumentTemplate.objects.exists()


@pytest.mark.parametrize("role", ["am1", "finance", "group_head"])
def test_only_heads_and_admins_upload_templates(org, role):
    with pytest.raises(PermissionDenied):
        services.document_template_upload(actor=org.by_role_name(role).user, kind="act", name="x",
                                          content=documents.default_template("act"))
    assert not DocumentTemplate.objects.exists()


def test_act_document_has_requisites_amount_in_words_and_vat(money):
    invoice = issued_invoice(money.finance, money.client_a, "122000.00", on=date(2026, 3, 5), contract=money.contract_a)
    act = billing_services.act_create(actor=money.finance.user, invoice=invoice, date=date(2026, 3, 31))

    text = _text(services.act_document(actor=money.am1.user, act=act).content)

    assert f"Акт № {act.number} от 31.03.2026" in text
    assert "ИНН 7707083893" in text and "ИНН 7702070139" in text
    assert "Сто двадцать две тысячи рублей 00 копеек" in text and "В том числе НДС 22 %" in text


def test_contract_document_without_vat_says_so(money):
    text = _text(services.contract_document(actor=money.am2.user, contract=money.contract_b).content)

    assert f"Договор № {money.contract_b.number}" in text and "Без налога (НДС)" in text
    assert "50\xa0000,00" in text


def test_contract_pdf_is_a_pdf(money):
    doc = services.contract_document(actor=money.head.user, contract=money.contract_a, fmt="pdf")

    assert doc.content.startswith(b"%PDF-") and len(doc.content) > 1000 and doc.filename.endswith(".pdf")


def test_proposal_with_catalogue_services_and_discount(money):
    seo = ServiceFactory(agency=money.agency, name="SEO-продвижение", description="Рост трафика")
    smm = ServiceFactory(agency=money.agency, name="SMM")

    doc = services.proposal_document(
        actor=money.am1.user, client=money.client_a, discount_percent=Decimal("10"), today=date(2026, 12, 3),
        lines=[services.ProposalLine(seo, Decimal("50000")), services.ProposalLine(smm, Decimal("25000"), Decimal("2"))],
    )

    text = _text(doc.content)
    assert "действительно до 17.12.2026" in text and "SEO-продвижение" in text and "SMM" in text
    assert "Итого: 90\xa0000,00 (Девяносто тысяч рублей 00 копеек)" in text
    assert "скидка 10 %: 10\xa0000,00" in text


def test_proposal_without_a_discount_takes_the_loyalty_rule_and_names_it(money):
    from tandem.billing import services as billing_services
    from tandem.billing.models import LoyaltyBasis

    billing_services.loyalty_rule_create(actor=money.head.user, name="Комплекс", basis=LoyaltyBasis.SERVICES_COUNT,
                                         threshold=Decimal("1"), percent=Decimal("7"))
    seo = ServiceFactory(agency=money.agency, name="SEO-продвижение")

    doc = services.proposal_document(actor=money.am1.user, client=money.client_a, today=date(2026, 12, 3),
                                     lines=[services.ProposalLine(seo, Decimal("100000"))])

    text = _text(doc.content)
    assert "скидка 7 %: 7\xa0000,00" in text and "«Комплекс»" in text


def test_proposal_refuses_foreign_services_and_bad_discount(money):
    foreign = ServiceFactory(name="Чужая")

    with pytest.raises(ValidationError) as exc:
        services.proposal_document(actor=money.am1.user, client=money.client_a, discount_percent=Decimal("120"),
                                   lines=[services.ProposalLine(foreign, Decimal("1"))])

    assert set(exc.value.message_dict) == {"lines", "discount_percent"}
