"""Every Russian word a template shows goes through translation: text outside {% translate %},
{% blocktranslate %} and _("…") would stay Russian in the English UI (issue #10)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

CYRILLIC = re.compile(r"[А-Яа-яЁё]")
# Printed documents keep the legally fixed Russian wording in every UI language (see
# INTENTIONALLY_RUSSIAN in test_english.py): the invoice and the act.
DOCUMENT_TEMPLATES = {
    "billing/templates/billing/invoice_pdf.html",
    "billing/templates/billing/act_pdf.html",
}
_COMMENTS = re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{#.*?#}", re.S)
_BLOCKS = re.compile(r"{%\s*blocktrans(?:late)?\b.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
_TRANSLATE = re.compile(r"""{%\s*trans(?:late)?\s+("[^"]*"|'[^']*')[^%]*%}""")
_MARKED_LITERAL = re.compile(r"""_\(("[^"]*"|'[^']*')\)""")  # {{ x|default:_("…") }}


def bare_russian(text: str) -> list[str]:
    """Lines of a template that still show Cyrillic once the translated parts are removed."""
    for pattern in (_COMMENTS, _BLOCKS, _TRANSLATE, _MARKED_LITERAL):
        text = pattern.sub("", text)
    return [line.strip() for line in text.splitlines() if CYRILLIC.search(line)]


def test_the_scanner_sees_bare_text_and_ignores_translated():
    assert bare_russian('<h1>Итого</h1>') == ["<h1>Итого</h1>"]
    assert bare_russian('{{ x|default:"ждём" }}') == ['{{ x|default:"ждём" }}']
    assert bare_russian('{% translate "Итого" %} {{ x|default:_("ждём") }} {# Итого #}') == []
    assert bare_russian('{% blocktranslate with n=x %}Счёт № {{ n }}{% endblocktranslate %}') == []


def test_templates_have_no_bare_russian_text():
    root = Path(settings.BASE_DIR) / "tandem"
    found = []
    for path in sorted(root.rglob("*.html")):
        name = str(path.relative_to(root))
        if name in DOCUMENT_TEMPLATES:
            continue
        found += [f"{name}: {line[:120]}" for line in bare_russian(path.read_text(encoding="utf-8"))]
    assert not found, "Russian text outside {% translate %} / {% blocktranslate %}:\n" + "\n".join(found)
