import pytest
from hypothesis import given
from hypothesis import strategies as st

from setia.core.errors import ApplicationError
from setia.core.phones import format_phone, normalize_phone


@pytest.mark.parametrize(
    "typed",
    [
        "0812-3456-7890",
        "+62 812 3456 7890",
        "6281234567890",
        "81234567890",
        "0812 3456 7890",
        "(0812) 3456-7890",
        "0062 812 3456 7890",
    ],
)
def test_mobile_in_every_typed_form_is_the_same_number(typed: str) -> None:
    assert normalize_phone(typed) == "+6281234567890"


def test_landline_is_a_valid_phone() -> None:
    assert normalize_phone("021-5551234") == "+62215551234"
    assert normalize_phone("(022) 4201234") == "+62224201234"


def test_foreign_number_keeps_its_country() -> None:
    assert normalize_phone("+65 6123 4567") == "+6561234567"


@pytest.mark.parametrize("typed", ["", "abc", "12", "0812"])
def test_rubbish_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(ApplicationError) as error:
        normalize_phone(typed, field="phone")
    assert "phone" in error.value.extra


def test_display_form() -> None:
    assert format_phone("+6281234567890") == "0812-3456-7890"
    assert format_phone("") == ""


@given(st.from_regex(r"8[1-9][0-9]{8,9}", fullmatch=True))
def test_all_typed_forms_agree(national: str) -> None:
    try:
        expected = normalize_phone("0" + national)
    except ApplicationError:
        return  # not an allocated number range: every form must refuse it, checked below
    assert normalize_phone("+62" + national) == expected
    assert normalize_phone("62" + national) == expected
    assert normalize_phone(national) == expected


def test_fast_indonesian_path_gives_what_the_full_parser_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    from setia.core import phones

    rng = random.Random(62)
    inputs = []
    for _ in range(5000):
        prefix = rng.choice(["0", "+62", "62", "8", "0062", "+62 0", "08", "021", "+6262", "00", "0 8"])
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(4, 14)))
        inputs.append(prefix + rng.choice(["", " ", "-"]).join([digits[:3], digits[3:7], digits[7:]]))
    inputs += ["0812-3456-7890", "+62 812 3456 7890", "(021) 555-1234", "0812٣4567890", "08123"]

    def outcome(raw: str) -> str:
        try:
            return phones.normalize_phone(raw)
        except ApplicationError as error:
            return f"error: {error.message}"

    fast = [outcome(raw) for raw in inputs]
    monkeypatch.setattr(phones, "_indonesian", lambda text: None)
    assert fast == [outcome(raw) for raw in inputs]
    assert sum(not result.startswith("error") for result in fast) > 1000  # many valid numbers were compared
    # The mobile shortcut decided many of them (and the full parser agreed on each).
    assert sum(phones._mobile(result[3:]) for result in fast if result.startswith("+62")) > 300
