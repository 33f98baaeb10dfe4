"""КП as a tracked document: numbering, status history, the opportunity's stage, the draft
contract from an accepted КП, the rendered document, and who may."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from docx import Document

from tandem.clients.models import ServiceKind
from tandem.contracts.models import BillingModel, ContractStatus
from tandem.core.errors import NotFound, PermissionDenied
from tandem.growth import proposal_services as ps
from tandem.growth import selectors
from tandem.growth.models import ProposalStatus, Stage
from tandem.growth.permissions import proposal_get_for

from .factories import OpportunityFactory, service

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines(org) -> list[ps.LineData]:
    seo = service(org.agency, ServiceKind.SEO, "SEO-продвижение")
    ads = service(org.agency, ServiceKind.CONTEXT, "Контекстная реклама")
    return [
        ps.LineData(service=seo, price=Decimal("60000"), quantity=Decimal("1")),
        ps.LineData(service=ads, price=Decimal("2500"), quantity=Decimal("4"), billing_model=BillingModel.HOURLY),
    ]


def make(org, lines, **kwargs):
    return ps.proposal_create(actor=org.am1.user, client=org.client_a, lines=lines, discount_percent=Decimal("10"),
                              today=date(2026, 11, 2), **kwargs)


def test_create_numbers_per_year_and_keeps_lines_and_totals(org, lines) -> None:
    first, second = make(org, lines), make(org, lines)
    assert (first.number, second.number) == ("КП-2026-0001", "КП-2026-0002")
    assert first.valid_until == date(2026, 11, 16) and first.status == ProposalStatus.DRAFT
    assert ps.proposal_totals(first) == {
        "subtotal": Decimal("70000.00"), "discount": Decimal("7000.00"), "total": Decimal("63000.00"),
    }
    listed = selectors.proposal_list(actor=org.am1.user).get(pk=first.pk)
    assert listed.subtotal == Decimal("70000.00")  # type: ignore[attr-defined]


def test_status_moves_are_kept_and_only_allowed_ones(org, lines) -> None:
    proposal = make(org, lines)
    with pytest.raises(ps.ProposalStatusNotAllowed):
        ps.proposal_change_status(actor=org.am1.user, proposal=proposal, status=ProposalStatus.ACCEPTED)
    ps.proposal_change_status(actor=org.am1.user, proposal=proposal, status=ProposalStatus.SENT)
    with pytest.raises(ps.ProposalStatusNotAllowed):
        ps.proposal_update(actor=org.am1.user, proposal=proposal, data={"notes": "x"})
    ps.proposal_change_status(actor=org.am1.user, proposal=proposal, status=ProposalStatus.DECLINED, comment="Дорого")
    history = [(h.from_status, h.to_status, h.comment) for h in selectors.proposal_history(proposal=proposal)]
    assert history == [("", "draft", "КП создано"), ("draft", "sent", ""), ("sent", "declined", "Дорого")]
    with pytest.raises(ps.ProposalStatusNotAllowed):
        ps.proposal_change_status(actor=org.am1.user, proposal=proposal, status=ProposalStatus.SENT)


def test_sending_moves_the_opportunity_to_proposal_sent(org, lines) -> None:
    opportunity = OpportunityFactory.create(client=org.client_a, service=lines[0].service, stage=Stage.OFFERED)
    proposal = make(org, lines, opportunity=opportunity)
    ps.proposal_change_status(actor=org.am1.user, proposal=proposal, status=ProposalStatus.SENT)
    opportunity.refresh_from_db()
    assert opportunity.stage == Stage.PROPOSAL_SENT


def test_an_accepted_proposal_becomes_a_draft_contract_once(org, lines) -> None:
    proposal = make(org, lines)
    with pytest.raises(ps.ProposalStatusNotAllowed):
        ps.proposal_to_contract(actor=org.am1.user, proposal=proposal)
    ps.proposal_change_status(actor=org.am1.user, proposal=proposal, status=ProposalStatus.SENT)
    ps.proposal_change_status(actor=org.am1.user, proposal=proposal, status=ProposalStatus.ACCEPTED)
    contract = ps.proposal_to_contract(actor=org.am1.user, proposal=proposal)
    assert contract.status == ContractStatus.DRAFT and contract.client == org.client_a
    assert sorted((ln.service.name, ln.billing_model, ln.amount) for ln in contract.lines.all()) == [
        ("SEO-продвижение", BillingModel.MONTHLY_RETAINER, Decimal("54000.00")),
        ("Контекстная реклама", BillingModel.HOURLY, Decimal("9000.00")),
    ]
    proposal.refresh_from_db()
    assert proposal.contract == contract
    with pytest.raises(ps.ProposalStatusNotAllowed):
        ps.proposal_to_contract(actor=org.am1.user, proposal=proposal)


def test_the_document_carries_the_number_and_amounts(org, lines) -> None:
    proposal = make(org, lines)
    document = ps.proposal_render(actor=org.am1.user, proposal=proposal, fmt="docx")
    text = "\n".join(p.text for p in Document(io.BytesIO(document.content)).paragraphs)
    tables = " ".join(c.text for t in Document(io.BytesIO(document.content)).tables for r in t.rows for c in r.cells)
    assert "КП-2026-0001" in text + tables and "SEO-продвижение" in text + tables


@pytest.mark.parametrize("role", ["finance", "spec1", "am2"])
def test_others_may_neither_write_nor_see(org, lines, role) -> None:
    proposal = make(org, lines)
    actor = org.by_role_name(role).user
    with pytest.raises(PermissionDenied):
        ps.proposal_create(actor=actor, client=org.client_a, lines=lines)
    with pytest.raises(NotFound):
        proposal_get_for(actor, proposal.pk)


def test_bad_terms_are_refused(org, lines) -> None:
    with pytest.raises(ValidationError):
        ps.proposal_create(actor=org.am1.user, client=org.client_a, lines=[])
    with pytest.raises(ValidationError):
        ps.proposal_create(actor=org.am1.user, client=org.client_a, lines=lines,
                           valid_until=date.today() - timedelta(days=1))


def test_a_number_taken_by_a_concurrent_first_proposal_is_retried_not_an_error(org, lines, monkeypatch) -> None:
    # given another transaction committed КП-2026-0001 after this one had read "no КП this year yet"
    other = make(org, lines)
    real_next_number = ps._next_number
    reads: list[str] = []

    def read_before_the_other_commit(agency_id: int, day: date) -> str:
        reads.append(real_next_number(agency_id, day) if reads else "КП-2026-0001")
        return reads[-1]

    monkeypatch.setattr(ps, "_next_number", read_before_the_other_commit)
    # when this one inserts its КП
    mine = make(org, lines)
    # then the unique constraint's refusal is retried with a fresh read: the next number, no error
    assert (other.number, mine.number) == ("КП-2026-0001", "КП-2026-0002")
    assert reads == ["КП-2026-0001", "КП-2026-0002"]
    assert mine.lines.count() == 2 and mine.status_changes.count() == 1


def test_numbering_gives_up_after_a_few_collisions(org, lines, monkeypatch) -> None:
    make(org, lines)
    monkeypatch.setattr(ps, "_next_number", lambda agency_id, day: "КП-2026-0001")
    with pytest.raises(IntegrityError):
        make(org, lines)
