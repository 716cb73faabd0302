"""`WholeNumberField`: whole numbers as people here type them, thousands grouped by dots."""

import pytest
from django import forms
from django.db import models
from django.utils import translation

from setia.core.forms import WholeNumberField, whole_number_formfield


class AmountForm(forms.Form):
    amount = WholeNumberField(min_value=1, max_value=1_000_000, required=False)


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("25000", 25_000),
        ("25.000", 25_000),
        ("25,000", 25_000),
        ("Rp 25.000", 25_000),
        ("rp25.000", 25_000),
        (" 1.000.000 ", 1_000_000),
        ("25.000,00", 25_000),
        ("7", 7),
    ],
)
def test_grouped_thousands_are_read_as_people_mean_them(typed: str, number: int) -> None:
    form = AmountForm({"amount": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == number


def test_a_minus_sign_is_read_and_empty_is_none() -> None:
    field = WholeNumberField(required=False)
    assert field.clean("-5") == -5
    assert field.clean("-1.500") == -1_500
    assert field.clean("") is None
    assert field.clean(None) is None
    assert field.clean(12) == 12


@pytest.mark.parametrize("typed", ["1.5", "abc", "25.00.0", "1,5", "12 34", "--5", "9" * 41])
def test_what_is_not_a_whole_number_is_refused_saying_what_to_type(typed: str) -> None:
    form = AmountForm({"amount": typed})
    with translation.override("en"):
        assert not form.is_valid()
        assert form.errors["amount"] == ["Enter a whole number, e.g. 25000 or 25.000."]


def test_the_limits_of_integer_field_still_apply() -> None:
    with translation.override("en"):
        low = AmountForm({"amount": "0"})
        high = AmountForm({"amount": "1.000.001"})
        assert not low.is_valid() and low.errors["amount"] == ["Enter at least 1."]
        assert not high.is_valid() and high.errors["amount"] == ["Enter at most 1,000,000."]


def test_it_renders_as_a_text_input_with_the_digit_keypad() -> None:
    html = str(AmountForm(initial={"amount": 25_000})["amount"])
    assert 'type="text"' in html and 'inputmode="numeric"' in html and 'value="25000"' in html
    assert 'type="number"' not in html and "min=" not in html


def test_a_model_forms_integer_fields_become_whole_number_fields_with_their_limits() -> None:
    positive = whole_number_formfield(models.PositiveIntegerField("points"))
    big = whole_number_formfield(models.BigIntegerField("amount"))
    choices = whole_number_formfield(models.IntegerField("size", choices=[(1, "S"), (2, "M")]))
    text = whole_number_formfield(models.CharField("name", max_length=10))
    assert isinstance(positive, WholeNumberField) and positive.min_value == 0
    assert isinstance(big, WholeNumberField) and big.min_value == -(2**63)
    assert isinstance(choices, forms.TypedChoiceField)
    assert isinstance(text, forms.CharField) and not isinstance(text, WholeNumberField)


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("id", "1000001", "Isi paling banyak 1.000.000."),
        ("en", "1000001", "Enter at most 1,000,000."),
        ("en", "0", "Enter at least 1."),
    ],
)
def test_limits_are_said_as_people_read_numbers(language: str, typed: str, message: str) -> None:
    with translation.override(language):
        form = AmountForm({"amount": typed})
        assert not form.is_valid() and form.errors["amount"] == [message]


def test_the_databases_limit_is_said_as_the_largest_amount_anyone_types() -> None:
    field = whole_number_formfield(models.BigIntegerField())  # the database's range as its limits
    assert field is not None
    with translation.override("en"), pytest.raises(forms.ValidationError) as refused:
        field.clean("99999999999999999999")
    assert refused.value.messages == ["Enter at most 999,999,999,999,999."]


def test_a_limit_the_model_words_keeps_its_words() -> None:
    from django.core.validators import MaxValueValidator

    field = WholeNumberField(validators=[MaxValueValidator(120, message="Enter at most 120 months.")])
    with pytest.raises(forms.ValidationError) as refused:
        field.clean("121")
    assert refused.value.messages == ["Enter at most 120 months."]
