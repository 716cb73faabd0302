"""The navigation a person reads: every entry named differently, in each language."""

import pytest
from django.utils import translation

from setia.conftest import Business
from setia.core.navigation import sections_for


@pytest.mark.parametrize("language", ["en", "id"])
def test_the_owner_s_navigation_names_each_entry_once(business: Business, language: str) -> None:
    with translation.override(language):
        labels = [str(section["label"]) for section in sections_for(business.owner)]
    assert len(labels) > 20
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    assert repeated == []
