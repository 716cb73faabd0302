from decimal import Decimal

import pytest

from setia.core.money import format_rupiah


@pytest.mark.parametrize(
    ("amount", "language", "expected"),
    [
        (1250000, "id", "Rp 1.250.000"),
        (1250000, "en", "Rp 1,250,000"),
        (0, "id", "Rp 0"),
        (-5000, "id", "-Rp 5.000"),
        (Decimal("1500.50"), "id", "Rp 1.500,50"),
        (Decimal("1500.50"), "en", "Rp 1,500.50"),
        (999, "id", "Rp 999"),
        (None, "id", ""),
    ],
)
def test_format_rupiah(amount: int | Decimal | None, language: str, expected: str) -> None:
    assert format_rupiah(amount, language) == expected


def test_template_filter_follows_active_language() -> None:
    from django.template import Context, Template
    from django.utils import translation

    template = Template("{% load setia %}{{ amount|rupiah }}")
    with translation.override("id"):
        assert template.render(Context({"amount": 1250000})) == "Rp 1.250.000"
    with translation.override("en"):
        assert template.render(Context({"amount": 1250000})) == "Rp 1,250,000"
