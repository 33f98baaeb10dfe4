from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tandem.core import validators as v


@pytest.mark.parametrize("inn", ["7707083893", "7702070139", "500100732259"])
def test_valid_inn_is_accepted(inn):
    assert v.is_valid_inn(inn)
    v.validate_inn(inn)


@pytest.mark.parametrize("inn", ["7712345678", "770708389", "77070838930", "77070838A3", "", "500100732250"])
def test_invalid_inn_is_rejected(inn):
    assert not v.is_valid_inn(inn)
    with pytest.raises(ValidationError):
        v.validate_inn(inn)


@pytest.mark.parametrize("ogrn", ["1027700132195", "1027739609391"])
def test_valid_ogrn(ogrn):
    assert v.is_valid_ogrn(ogrn)
    v.validate_ogrn_or_ogrnip(ogrn)


@pytest.mark.parametrize("ogrn", ["1027700132196", "102770013219", "0027700132195", "10277001321a5"])
def test_invalid_ogrn(ogrn):
    assert not v.is_valid_ogrn(ogrn)
    with pytest.raises(ValidationError):
        v.validate_ogrn_or_ogrnip(ogrn)


def test_ogrnip_with_remainder_above_nine_is_valid():
    # 30477000000002 mod 13 == 10 -> check digit 0 (stdnum 2.2 rejects this valid number)
    assert int("30477000000002") % 13 == 10
    assert v.is_valid_ogrnip("304770000000020")
    v.validate_ogrn_or_ogrnip("304770000000020")


def test_ogrnip_with_wrong_check_digit_is_rejected():
    assert not v.is_valid_ogrnip("304770000000021")
    with pytest.raises(ValidationError):
        v.validate_ogrn_or_ogrnip("304770000000021")


@pytest.mark.parametrize(("kpp", "ok"), [("773601001", True), ("7736AB001", True), ("77360100", False), ("7736ab001", False)])
def test_kpp_format(kpp, ok):
    assert v.is_valid_kpp(kpp) is ok


def test_settlement_account_key():
    assert v.is_valid_settlement_account("40702810938000000001", "044525225")
    assert v.is_valid_settlement_account("40702810038000008123", "044525225")
    assert not v.is_valid_settlement_account("40702810038000008124", "044525225")
    assert not v.is_valid_settlement_account("40702810938000000001", "044525226")
    assert not v.is_valid_settlement_account("4070281093800000000", "044525225")


@pytest.mark.parametrize("inn", ["0000000000", "000000000000"])
def test_inn_of_all_zeros_is_refused_though_its_checksum_holds(inn):
    assert not v.is_valid_inn(inn)


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1999, 12, 31), date(9999, 12, 31), date(2032, 3, 4)])
def test_date_outside_2000_to_five_years_ahead_is_refused_on_its_field(day):
    with pytest.raises(ValidationError) as caught:
        v.check_sensible_date(day, field="date", today=date(2026, 12, 3))

    assert list(caught.value.message_dict) == ["date"]


@pytest.mark.parametrize("day", [date(2000, 1, 1), date(2026, 12, 3), date(2031, 12, 3), None])
def test_date_within_range_passes(day):
    v.check_sensible_date(day, field="date", today=date(2026, 12, 3))


def test_days_ahead_narrows_the_future():
    with pytest.raises(ValidationError):
        v.check_sensible_date(date(2026, 12, 10), field="date", today=date(2026, 12, 3), days_ahead=1)
