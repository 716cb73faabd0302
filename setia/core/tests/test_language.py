"""Indonesian where the text comes from Django itself."""


def test_django_s_empty_choice_reads_in_indonesian() -> None:
    from django.db.models.fields import BLANK_CHOICE_LABEL
    from django.utils import translation

    with translation.override("id"):
        assert str(BLANK_CHOICE_LABEL) == "- Pilih -"
    with translation.override("en"):
        assert str(BLANK_CHOICE_LABEL) == "- Select an option -"
