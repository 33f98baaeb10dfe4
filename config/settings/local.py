"""Development: DEBUG on unless the environment says otherwise."""

import os

os.environ.setdefault("DEBUG", "1")

from .base import *  # noqa: E402,F401,F403

WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
