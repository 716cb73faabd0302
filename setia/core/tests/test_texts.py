"""Messages the system stores untranslated, shown in the reader's language (`setia.core.texts`)."""

from django.utils import translation

from setia.core.texts import Message, shown, stored, stored_json


def test_a_message_is_stored_untranslated_and_shown_in_the_readers_language() -> None:
    with translation.override("id"):  # written by someone working in Indonesian
        text, args = stored(Message("Reward: %(name)s", {"name": "Masker rambut"}))
    assert (text, args) == ("Reward: %(name)s", {"name": "Masker rambut"})
    with translation.override("en"):
        assert shown(text, args) == "Reward: Masker rambut"
    with translation.override("id"):
        assert shown(text, args) == "Hadiah: Masker rambut"


def test_whole_numbers_are_grouped_as_the_reader_writes_them() -> None:
    text, args = stored(
        Message(
            "Rp %(spend)s and %(visits)s visits in the last %(days)s days: %(tier)s",
            {"spend": 5_500_000, "visits": 2, "days": 365, "tier": "Gold"},
        )
    )
    with translation.override("en"):
        assert shown(text, args) == "Rp 5,500,000 and 2 visits in the last 365 days: Gold"
    with translation.override("id"):
        assert shown(text, args) == "Rp 5.500.000 dan 2 kunjungan dalam 365 hari terakhir: Gold"


def test_typed_text_and_text_stored_before_are_shown_as_they_are() -> None:
    # An adjustment's reason that happens to be a message of the catalog stays as typed.
    assert stored("Purchase") == ("Purchase", None)
    with translation.override("id"):
        assert shown("Purchase", None) == "Purchase"
        assert shown("Koreksi: 50% poin ganda", None) == "Koreksi: 50% poin ganda"
        assert shown("Purchase", {}) == "Pembelian"
    assert stored("x" * 300)[0] == "x" * 255


def test_values_are_stored_as_json_text_for_rows_written_in_bulk() -> None:
    assert stored_json(None) is None
    assert stored_json({"count": 3}) == '{"count": 3}'


def test_values_that_do_not_fit_the_message_leave_it_unfilled_instead_of_failing() -> None:
    with translation.override("id"):
        assert shown("Reward: %(name)s", {"reward": "Masker"}) == "Hadiah: %(name)s"


def test_a_value_that_is_a_message_of_its_own_is_shown_in_the_readers_language() -> None:
    # A choice's label among the values: "walk-in" / "datang langsung", not the stored code.
    text, args = stored(
        Message("Consent given (%(source)s, notice %(notice)s)", {"source": Message("walk-in"), "notice": "v2"})
    )
    assert args == {"source": {"msgid": "walk-in", "args": {}}, "notice": "v2"}
    with translation.override("en"):
        assert shown(text, args) == "Consent given (walk-in, notice v2)"
    with translation.override("id"):
        assert shown(text, args) == "Persetujuan diberikan (datang langsung, pemberitahuan v2)"


def test_a_choices_label_is_stored_as_its_source_text_whatever_the_writers_language() -> None:
    from setia.core.texts import choice_label
    from setia.customers.models import Customer

    with translation.override("id"):
        assert choice_label(Customer.Source.WALK_IN.label) == Message("walk-in")


def test_a_day_among_the_values_is_shown_in_the_readers_date_format() -> None:
    import datetime as dt

    text, args = stored(Message("Renewal of %(name)s until %(date)s", {"name": "Paket", "date": dt.date(2027, 1, 14)}))
    assert args == {"name": "Paket", "date": {"date": "2027-01-14"}}
    with translation.override("id"):
        assert shown(text, args) == "Perpanjangan Paket sampai 14/01/2027"
    assert shown(text, {"name": "Paket", "date": {"date": "not a day"}}).endswith("not a day")
