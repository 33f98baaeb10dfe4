"""Shared pytest fixtures: the agency, an employee per role, logged-in clients."""

import pytest

pytest_plugins = ["tandem.testing.fixtures", "tandem.testing.billing", "tandem.testing.browser"]


@pytest.fixture(autouse=True)
def _english_off_russian_default(settings):
    settings.LANGUAGE_CODE = "ru"
