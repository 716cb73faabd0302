from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings
from django.utils import translation


@pytest.fixture(autouse=True)
def analytics_dir(tmp_path: Path) -> Iterator[Path]:
    """Each test gets its own Parquet copy (never the developer's var/analytics)."""
    path = tmp_path / "analytics"
    with override_settings(SETIA_ANALYTICS_DIR=str(path)):
        yield path


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield
