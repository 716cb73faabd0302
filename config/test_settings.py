"""Settings for the test suite: the normal settings with SETIA_ENV=test (fast password hashing)."""

import os

os.environ.setdefault("SETIA_ENV", "test")

from config.settings import *  # noqa: F403
