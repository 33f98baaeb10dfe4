"""Russian registration numbers and bank details.

INN and OGRN are checked with python-stdnum; OGRNIP is checked here because stdnum 2.2
rejects valid OGRNIPs whose remainder mod 13 is 10-12 (the rule is: last digit of that
remainder, DOMAIN.md "Facts worth knowing").
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as stdnum_inn

_DIGITS = re.compile(r"^\d+$")
_KPP = re.compile(r"^\d{4}[\dA-Z]{2}\d{3}$")


def is_valid_inn(value: str) -> bool:
    """INN of an organisation (10 digits) or a person (12 digits), check digits included."""
    if not value or not _DIGITS.match(value) or len(value) not in (10, 12):
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
