"""Validation of EnterpriseData messages against the subset schema, for tests.

lxml is not a direct dependency of Tandem (it comes with python-docx/docxtpl), so it is imported
only here, in test code; the application writes with xml.etree and never validates at run time.
"""

from __future__ import annotations

from functools import cache

from lxml import etree

from tandem.integrations.onec import SCHEMA_PATH


@cache
def subset_schema() -> etree.XMLSchema:
    """The compiled schema (the imports next to it resolve relative to the file, no network)."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def schema_errors(content: bytes | etree._Element) -> list[str]:
    """The schema's complaints about a message ([] when it is valid)."""
    root = etree.fromstring(content) if isinstance(content, bytes) else content
    schema = subset_schema()
    if schema.validate(root):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
