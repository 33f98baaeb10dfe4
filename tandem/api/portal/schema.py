"""The portal API has its own OpenAPI document (/api/portal/schema/): its audience (client
contacts, portal session) and ids (signed strings) differ from the staff API, whose schema
(/api/schema/) leaves the portal out so staff clients and the generated staff tests see only
what staff may call."""

from __future__ import annotations

from typing import Any

PORTAL_PREFIX = "/api/portal/"


def exclude_portal(endpoints: list[tuple[str, str, str, Any]], **_kwargs: Any) -> list[tuple[str, str, str, Any]]:
    """drf-spectacular preprocessing hook of the staff schema."""
    return [e for e in endpoints if not e[0].startswith(PORTAL_PREFIX)]


PORTAL_SCHEMA_SETTINGS: dict[str, Any] = {
    "TITLE": "Tandem client portal API",
    "DESCRIPTION": "What a client contact sees and does in the portal. Sign in at /portal/login/ "
                   "(session cookie; send the CSRF token on writes). Ids are signed strings.",
    "VERSION": "1.0.0",
    "PREPROCESSING_HOOKS": [],
}
