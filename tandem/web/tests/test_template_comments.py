"""A `{# … #}` comment must end on its line: Django prints a multi-line one as page text."""

from __future__ import annotations

from pathlib import Path

import tandem

ROOT = Path(tandem.__file__).parent


def test_no_template_comment_spans_lines() -> None:
    broken = []
    for path in ROOT.glob("**/templates/**/*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            rest = line
            while "{#" in rest:
                rest = rest[rest.index("{#") + 2:]
                if "#}" not in rest:
                    broken.append(f"{path.relative_to(ROOT)}:{number}")
                    break
                rest = rest[rest.index("#}") + 2:]
    assert broken == []
