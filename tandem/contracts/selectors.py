"""Reads for contracts, VAT and subcontractors. Results are scoped to the actor."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Avg, Count, Prefetch, Q, QuerySet

from tandem.org.models import Agency, User

from .models import (
    DEFAULT_NUMBER_PATTERN,
    Contract,
    ContractLine,
    ContractSettings,
    ContractStatusChange,
    Subcontractor,
    VatMode,
    VatRate,
)
from .permissions import contracts_visible_to, subcontractors_visible_to


@dataclass(frozen=True)
class ContractFilters:
    client_id: int | None = None
    status: str = ""
    search: str = ""


def contract_list(*, actor: User, filters: ContractFilters | None = None) -> QuerySet[Contract]:
    """Visible contracts with client, its AM and subcontractor joined; lines counted in SQL."""
    filters = filters or ContractFilters()
    qs = contracts_visible_to(actor).select_related("client", "client__account_manager", "subcontractor")
    if filters.client_id:
        qs = qs.filter(client_id=filters.client_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.search:
        term = filters.search.strip()
        qs = qs.filter(
            Q(number__icontains=term) | Q(client__legal_name__icontains=term) | Q(client__brand_name__icontains=term)
        )
    return qs.annotate(line_count=Count("lines")).order_by("-date", "-id")


def contract_detail(*, contract: Contract) -> Contract:
    """The contract with lines (and services) and status history prefetched."""
    return (
        Contract.objects.select_related("client", "client__account_manager", "subcontractor", "agency")
        .prefetch_related(
            Prefetch("lines", queryset=ContractLine.objects.select_related("service")),
            Prefetch("status_changes", queryset=ContractStatusChange.objects.select_related("changed_by__employee")),
        )
        .get(pk=contract.pk)
    )


def vat_rate_on(*, agency: Agency | int, day: date) -> Decimal | None:
    """The agency's VAT rate (percent) valid on `day`: the latest row with valid_from <= day.
    None when no rate has been set for that date."""
    agency_id = agency if isinstance(agency, int) else agency.pk
    row = (
        VatRate.objects.filter(agency_id=agency_id, valid_from__lte=day)
        .order_by("-valid_from")
        .values_list("rate_percent", flat=True)
        .first()
    )
    return row


def contract_vat_rate(*, contract: Contract, day: date | None = None) -> Decimal | None:
    """VAT percent applying to the contract on `day` (default: the contract date).
    0 for "Без НДС"; None when the contract is with VAT but no rate is set for that date."""
    if contract.vat_mode == VatMode.NO_VAT:
        return Decimal("0")
    return vat_rate_on(agency=contract.agency_id, day=day or contract.date)


def contract_number_pattern(*, agency: Agency) -> str:
    """The agency's contract-number pattern (default {year}-{seq:04d})."""
    pattern = ContractSettings.objects.filter(agency=agency).values_list("number_pattern", flat=True).first()
    return pattern or DEFAULT_NUMBER_PATTERN


def subcontractor_list(*, actor: User) -> QuerySet[Subcontractor]:
    """Subcontractors with the average 1–10 rating of their account work and contract count."""
    return subcontractors_visible_to(actor).annotate(
        avg_rating=Avg("contracts__subcontractor_rating"),
        rated_count=Count("contracts", filter=Q(contracts__subcontractor_rating__isnull=False)),
        contract_count=Count("contracts"),
    ).order_by("name")


def first_signed_contract(*, client_id: int) -> Contract | None:
    """The client's earliest signed (or since closed) contract."""
    return (
        Contract.objects.filter(client_id=client_id, signed_at__isnull=False)
        .order_by("signed_at", "id")
        .first()
    )
