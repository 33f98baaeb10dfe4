"""Russian registration numbers and bank details.

INN and OGRN are checked with python-stdnum; OGRNIP is checked here because stdnum 2.2
rejects valid OGRNIPs whose remainder mod 13 is 10-12 (the rule is: last digit of that
remainder, DOMAIN.md "Facts worth knowing").
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as stdnum_inn

_DIGITS = re.compile(r"^\d+$")
_KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")


def is_valid_inn(value: str) -> bool:
    """INN of an organisation (10 digits) or a person (12 digits), check digits included. All
    zeros passes the checksum but is no one's INN (region 00 does not exist), so it is refused."""
    if not value or not _DIGITS.match(value) or len(value) not in (10, 12) or not value.strip("0"):
        return False
    try:
        stdnum_inn.validate(value)
    except StdnumError:
        return False
    return True


def is_valid_ogrn(value: str) -> bool:
    """OGRN (13 digits): last digit = (first 12 mod 11) mod 10."""
    if not value or not _DIGITS.match(value) or len(value) != 13 or value[0] == "0":
        return False
    return int(value[:12]) % 11 % 10 == int(value[12])


def is_valid_ogrnip(value: str) -> bool:
    """OGRNIP (15 digits): last digit = last digit of (first 14 mod 13)."""
    if not value or not _DIGITS.match(value) or len(value) != 15 or value[0] == "0":
        return False
    return int(value[:14]) % 13 % 10 == int(value[14])


def is_valid_kpp(value: str) -> bool:
    return bool(value) and bool(_KPP.match(value))


def is_valid_bik(value: str) -> bool:
    return bool(value) and bool(_DIGITS.match(value)) and len(value) == 9


def is_valid_settlement_account(account: str, bik: str) -> bool:
    """Settlement account key: last 3 digits of BIK + 20-digit account, weights 7,1,3 repeating."""
    if not is_valid_bik(bik) or not account or not _DIGITS.match(account) or len(account) != 20:
        return False
    digits = bik[-3:] + account
    weights = (7, 1, 3)
    return sum(int(d) * weights[i % 3] % 10 for i, d in enumerate(digits)) % 10 == 0


def validate_inn(value: str) -> None:
    if not is_valid_inn(value):
        raise ValidationError(
            _("Некорректный ИНН: нужно 10 или 12 цифр с верными контрольными цифрами."), code="invalid_inn"
        )


def validate_ogrn_or_ogrnip(value: str) -> None:
    if not (is_valid_ogrn(value) or is_valid_ogrnip(value)):
        raise ValidationError(
            _("Некорректный ОГРН/ОГРНИП: нужно 13 или 15 цифр с верной контрольной цифрой."),
            code="invalid_ogrn",
        )


def validate_kpp(value: str) -> None:
    if not is_valid_kpp(value):
        raise ValidationError(_("Некорректный КПП: 9 символов, формат NNNNXXNNN."), code="invalid_kpp")


def validate_bik(value: str) -> None:
    if not is_valid_bik(value):
        raise ValidationError(_("Некорректный БИК: нужно 9 цифр."), code="invalid_bik")


EARLIEST_DATE = date(2000, 1, 1)
"""No record of an agency's work is dated before this: an earlier year is a typo (0001, 1900)."""


def check_sensible_date(
    value: date | None, *, field: str, today: date, years_ahead: int = 5, days_ahead: int | None = None,
) -> None:
    """Refuse a date no business record can carry: before 2000 or more than `years_ahead` years
    (or `days_ahead` days, when given) after `today`. Raises ValidationError on `field`.
    Such dates otherwise end in a 500 later (a due date past 9999-12-31) or hide in reports."""
    if value is None:
        return
    latest = today + timedelta(days=days_ahead) if days_ahead is not None else _years_after(today, years_ahead)
    if value < EARLIEST_DATE or value > latest:
        raise ValidationError(
            {field: _("Дата вне допустимого диапазона: от %(first)s до %(last)s.") % {
                "first": EARLIEST_DATE.strftime("%d.%m.%Y"), "last": latest.strftime("%d.%m.%Y"),
            }},
            code="date_out_of_range",
        )


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
