from decimal import Decimal

import pytest

from setia.core.money import format_rupiah, format_rupiah_short


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


@pytest.mark.parametrize(
    ("amount", "language", "expected"),
    [
        (11_825_000, "id", "Rp 11,8 jt"),
        (11_825_000, "en", "Rp 11.8M"),
        (85_000, "id", "Rp 85 rb"),
        (1_000_000, "id", "Rp 1 jt"),
        (2_450_000_000, "id", "Rp 2,5 M"),
        (2_450_000_000, "en", "Rp 2.5B"),
        (999_950, "id", "Rp 1 jt"),  # not "1000 rb"
        (-1_500_000, "id", "-Rp 1,5 jt"),
        (750, "id", "Rp 750"),
        (None, "id", ""),
    ],
)
def test_format_rupiah_short(amount: int | None, language: str, expected: str) -> None:
    assert format_rupiah_short(amount, language) == expected


def test_counts_are_grouped_as_the_language_writes_them() -> None:
    from setia.core.money import format_count

    assert format_count(4377, "id") == "4.377"
    assert format_count(4377, "en") == "4,377"
    assert format_count(-1250000, "id") == "-1.250.000"
    assert format_count(999, "id") == "999"
    assert format_count(None) == ""


def test_the_count_filter_groups_by_the_active_language() -> None:
    from django.template import Context, Template
    from django.utils import translation

    template = Template("{% load setia %}{{ points|count }}")
    with translation.override("id"):
        assert template.render(Context({"points": 12345})) == "12.345"
    with translation.override("en"):
        assert template.render(Context({"points": 12345})) == "12,345"


def test_a_day_kept_as_iso_text_reads_in_the_readers_date_format() -> None:
    from django.utils import translation

    from setia.core.templatetags.setia import iso_date

    with translation.override("id"):
        assert iso_date("2026-09-03") == "03/09/2026"
    assert iso_date("2026-02-30") == "2026-02-30" and iso_date("") == "" and iso_date(None) == ""
