"""Validators for the international identifiers of recordings and works."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ISRC_PATTERN = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
ISWC_PATTERN = re.compile(r"^T(\d{9})(\d)$")


def normalise_isrc(value: str) -> str:
    """CN-A12-24-00001 and cna122400001 both become CNA122400001."""
    return value.replace("-", "").replace(" ", "").upper()


def normalise_iswc(value: str) -> str:
    """T-034.524.680-1 becomes T0345246801."""
    return re.sub(r"[\s.\-]", "", value).upper()


def validate_isrc(value: str) -> None:
    if not ISRC_PATTERN.match(normalise_isrc(value)):
        raise ValidationError(
            _(
                "ISRC 格式不正确：应为 2 位国家码、3 位登记者码、2 位年份和 5 位编号，"
                "例如 CN-A12-24-00001。"
            ),
            code="invalid_isrc",
        )


def iswc_check_digit(nine_digits: str) -> int:
    """The ISWC check digit (ISO 15707): 1 plus the weighted digit sum, mod 10."""
    total = 1 + sum(weight * int(d) for weight, d in enumerate(nine_digits, 1))
    return (10 - total % 10) % 10


def validate_iswc(value: str) -> None:
    match = ISWC_PATTERN.match(normalise_iswc(value))
    if not match:
        raise ValidationError(
            _("ISWC 格式不正确：应为 T 加 10 位数字，例如 T-034.524.680-1。"),
            code="invalid_iswc",
        )
    digits, check = match.groups()
    if iswc_check_digit(digits) != int(check):
        raise ValidationError(
            _("ISWC 校验位不正确，请核对编号。"), code="invalid_iswc_check_digit"
        )
