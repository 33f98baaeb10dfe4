from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.clients.tests.factories import ClientFactory
from tandem.contracts import services
from tandem.contracts.models import Contract, ContractStatus, ContractStatusChange, Subcontractor, VatMode
from tandem.contracts.selectors import contract_vat_rate, subcontractor_list, vat_rate_on
from tandem.contracts.tests.factories import (
    ContractFactory,
    ContractLineFactory,
    ServiceFactory,
    VatRateFactory,
)
from tandem.core.errors import PermissionDenied
from tandem.org.tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def _new(org, day=date(2026, 3, 10), **kw):
    return services.contract_create(actor=org.am1.user, client=org.client_a, data={"date": day, **kw})


def test_numbers_follow_default_pattern_and_sequence(org):
    first = _new(org)
    second = _new(org)
    assert (first.number, second.number) == ("2026-0001", "2026-0002")


def test_sequence_restarts_each_year_and_is_per_agency(org):
    _new(org, day=date(2025, 12, 30))
    assert _new(org, day=date(2026, 1, 5)).number == "2026-0001"
    other = ClientFactory(agency=AgencyFactory())
    from tandem.org.roles import Role
    from tandem.org.tests.factories import EmployeeFactory

    boss = EmployeeFactory(agency=other.agency, role=Role.HEAD_OF_ACCOUNTS)
    c = services.contract_create(actor=boss.user, client=other, data={"date": date(2026, 1, 5)})
    assert c.number == "2026-0001"


def test_custom_pattern_with_month_restarts_monthly(org):
    services.contract_settings_update(actor=org.admin.user, number_pattern="Д-{yy}/{month}-{seq:03d}")
    assert _new(org, day=date(2026, 3, 1)).number == "Д-26/03-001"
    assert _new(org, day=date(2026, 3, 2)).number == "Д-26/03-002"
    assert _new(org, day=date(2026, 4, 2)).number == "Д-26/04-001"


def test_taken_numbers_are_skipped_and_manual_duplicates_refused(org):
    _new(org)  # 2026-0001
    services.contract_create(actor=org.am1.user, client=org.client_a, data={"date": date(2026, 3, 1)},
                             number="2026-0002")
    assert _new(org).number == "2026-0003"
    with pytest.raises(ValidationError) as exc:
        services.contract_create(actor=org.am1.user, client=org.client_a, data={}, number="2026-0003")
    assert "number" in exc.value.message_dict


@pytest.mark.parametrize("pattern", ["{year}", "{seq", "{foo}-{seq}", "{seq:s}"])
def test_invalid_pattern_refused(org, pattern):
    with pytest.raises(ValidationError):
        services.contract_settings_update(actor=org.admin.user, number_pattern=pattern)


def test_only_admins_and_head_set_pattern(org):
    with pytest.raises(PermissionDenied):
        services.contract_settings_update(actor=org.am1.user, number_pattern="{seq}")


def test_status_moves_are_dated_and_invalid_moves_refused(org):
    c = _new(org)
    with pytest.raises(ValidationError) as exc:
        services.contract_change_status(actor=org.am1.user, contract=c, to_status=ContractStatus.CLOSED)
    assert "Нельзя перевести договор" in exc.value.message_dict["to_status"][0]
    services.contract_change_status(actor=org.am1.user, contract=c, to_status=ContractStatus.IN_APPROVAL,
                                    on_date=date(2026, 3, 12), comment="Отправили юристу")
    change = ContractStatusChange.objects.filter(contract=c, to_status=ContractStatus.IN_APPROVAL).get()
    assert change.effective_date == date(2026, 3, 12) and change.changed_by == org.am1.user
    with pytest.raises(ValidationError):  # signing goes through work.services.contract_sign
        services.contract_change_status(actor=org.am1.user, contract=c, to_status=ContractStatus.SIGNED)
    with pytest.raises(ValidationError):
        services.contract_change_status(actor=org.am1.user, contract=c, to_status=ContractStatus.IN_APPROVAL,
                                        on_date=timezone.localdate() + timedelta(days=2))


def test_signing_without_lines_refused(org):
    c = _new(org)
    services.contract_change_status(actor=org.am1.user, contract=c, to_status=ContractStatus.IN_APPROVAL)
    with pytest.raises(ValidationError) as exc:
        services.contract_mark_signed(actor=org.am1.user, contract=c)
    assert "lines" in exc.value.message_dict


def test_signed_contract_cannot_be_edited(org):
    c = ContractFactory(client=org.client_a, status=ContractStatus.SIGNED)
    with pytest.raises(ValidationError):
        services.contract_update(actor=org.am1.user, contract=c, data={"notes": "x"})
    service = ServiceFactory(agency=org.agency)
    with pytest.raises(ValidationError):
        services.contract_line_add(actor=org.am1.user, contract=c, data={
            "service": service, "billing_model": "hourly", "amount": Decimal("1")})


def test_a_copy_opened_before_signing_cannot_edit_the_signed_contract(org):
    """The edit form was opened on a draft; meanwhile it was signed. Saving the old copy is refused
    and writes nothing (the stored status is checked, not the copy's)."""
    c = ContractFactory(client=org.client_a, status=ContractStatus.IN_APPROVAL, notes="")
    stale = Contract.objects.get(pk=c.pk)
    Contract.objects.filter(pk=c.pk).update(status=ContractStatus.SIGNED)
    with pytest.raises(ValidationError):
        services.contract_update(actor=org.am1.user, contract=stale, data={"notes": "поменять сумму"})
    c.refresh_from_db()
    assert c.status == ContractStatus.SIGNED and c.notes == ""


def test_specialist_and_finance_cannot_create_contracts(org):
    for who in (org.spec1, org.finance):
        with pytest.raises(PermissionDenied):
            services.contract_create(actor=who.user, client=org.client_a, data={})


def test_vat_rate_comes_from_history_by_date(org):
    VatRateFactory(agency=org.agency, valid_from=date(2019, 1, 1), rate_percent=Decimal("20"))
    services.vat_rate_set(actor=org.finance.user, valid_from=date(2026, 1, 1), rate_percent=Decimal("22"))
    assert vat_rate_on(agency=org.agency, day=date(2025, 12, 31)) == Decimal("20")
    assert vat_rate_on(agency=org.agency, day=date(2026, 1, 1)) == Decimal("22")
    assert vat_rate_on(agency=org.agency, day=date(2018, 1, 1)) is None
    c = ContractFactory(client=org.client_a, date=date(2025, 6, 1))
    assert contract_vat_rate(contract=c) == Decimal("20")
    assert contract_vat_rate(contract=c, day=date(2026, 2, 1)) == Decimal("22")
    c.vat_mode = VatMode.NO_VAT
    assert contract_vat_rate(contract=c) == Decimal("0")


def test_vat_rates_kept_by_finance_only(org):
    with pytest.raises(PermissionDenied):
        services.vat_rate_set(actor=org.am1.user, valid_from=date(2026, 1, 1), rate_percent=Decimal("22"))


def test_subcontractor_needs_split_and_rating_1_to_10(org):
    sub = services.subcontractor_create(actor=org.am1.user, data={"name": "Студия Пиксель"})
    with pytest.raises(ValidationError) as exc:
        _new(org, subcontractor=sub)
    assert "account_functions" in exc.value.message_dict
    c = _new(org, subcontractor=sub, account_functions="shared")
    with pytest.raises(ValidationError):  # not signed yet
        services.contract_rate_subcontractor(actor=org.am1.user, contract=c, rating=8)
    c.status = ContractStatus.SIGNED
    c.save()
    for bad in (0, 11):
        with pytest.raises(ValidationError):
            services.contract_rate_subcontractor(actor=org.am1.user, contract=c, rating=bad)
    services.contract_rate_subcontractor(actor=org.am1.user, contract=c, rating=8, comment="Отвечают быстро")
    row = subcontractor_list(actor=org.head.user).get(pk=sub.pk)
    assert row.avg_rating == 8 and row.rated_count == 1
    assert Subcontractor.objects.count() == 1


def test_catalogue_edited_by_admins_only(org):
    services.service_create(actor=org.admin.user, data={"name": "SEO-продвижение", "kind": "seo"})
    with pytest.raises(PermissionDenied):
        services.service_create(actor=org.am1.user, data={"name": "SMM", "kind": "smm"})


def test_line_with_foreign_service_refused(org):
    c = _new(org)
    foreign = ServiceFactory()
    with pytest.raises(ValidationError):
        services.contract_line_add(actor=org.am1.user, contract=c, data={
            "service": foreign, "billing_model": "hourly", "amount": Decimal("1")})
    assert not c.lines.exists()
    # mypy takes the factory class (its metaclass defines __call__) for a function.
    assert ContractLineFactory  # type: ignore[truthy-function]  # factory importable for other suites
