"""The English translation: pages render in English after the switch, stay Russian by default,
and the catalogue (locale/en/LC_MESSAGES/django.po) is complete and compiled."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"

# Msgids whose msgstr is left empty on purpose, so they stay Russian in the English UI.
# msgid -> one-line reason. Legally fixed document phrases ("Без налога (НДС)", "Итого" on the
# printed form, the amount in words) live in the invoice/act PDF templates and
# tandem/billing/documents.py without translation marks, so they never reach the catalogue;
# anything marked for translation that must stay Russian on the documents goes here.
INTENTIONALLY_RUSSIAN: dict[str, str] = {}

CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def _english(web):
    response = web.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return web


def _page(web, url: str) -> str:
    response = web.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _assert_english(html: str, present: list[str], absent: list[str]) -> None:
    for text in present:
        assert text in html, f"missing English text {text!r}"
    for text in absent:
        assert text not in html, f"Russian text {text!r} still on the English page"


# --- pages -------------------------------------------------------------------------------


def test_clients_list_in_english(org, web_client_for):
    html = _page(_english(web_client_for(org.am1)), reverse("web:client_list"))
    _assert_english(
        html,
        present=["<h1>Clients <span class=\"count\"", "New client", "Name, INN, contact or email", "My day", "Receivables", "Log out"],
        absent=["Клиенты", "Новый клиент", "Мой день", "Дебиторка", "Выйти"],
    )


def test_client_card_in_english(org, web_client_for):
    html = _page(_english(web_client_for(org.am1)), reverse("web:client_detail", args=[org.client_a.pk]))
    _assert_english(
        html,
        present=["Company details", "Contact persons", "Status history", "Account manager changes", "Change status"],
        absent=["Реквизиты", "Контактные лица", "История статусов", "Сменить статус", "Смены аккаунт-менеджера"],
    )


def test_team_load_in_english(org, web_client_for):
    html = _page(_english(web_client_for(org.head)), reverse("web:team_load"))
    _assert_english(
        html,
        present=["<h1>Team</h1>", "Account manager load", "Active clients per account manager", "Load table",
                 "Soft limit", "Hard limit", "within limits"],
        absent=["Нагрузка аккаунтов", "Таблица нагрузки", "Мягкий лимит", "в норме"],
    )


def test_my_day_in_english(org, web_client_for):
    html = _page(_english(web_client_for(org.am1)), reverse("web:my_day"))
    _assert_english(
        html,
        present=["My day", "Contact today", "SLA requests", "Clients silent for too long", "All notifications"],
        absent=["Мой день", "Связаться сегодня", "Обращения по SLA", "Все уведомления"],
    )


def test_receivables_buckets_in_english(org, web_client_for):
    html = _page(_english(web_client_for(org.head)), reverse("web:receivables"))
    _assert_english(
        html,
        present=["Not overdue", "1–30 days", "Over 90 days"],
        absent=["Не просрочено", "1–30 дн.", "Более 90 дн."],
    )


def test_escalation_channels_are_labels_not_codes(org, web_client_for):
    from tandem.comms.models import Escalation
    from tandem.comms.services import request_create

    req = request_create(actor=org.am1.user, client=org.client_a, data={"subject": "Сайт лежит"})
    web = _english(web_client_for(org.am1))
    web.post(reverse("web:request_escalate", args=[req.pk]), {"level": "1"})
    assert "in_app" in Escalation.objects.get(request=req).channels
    html = _page(web, reverse("web:request_detail", args=[req.pk]))
    assert "(In Tandem" in html and "(in_app" not in html


@pytest.mark.parametrize(
    ("url_name", "args", "who", "russian"),
    [
        ("web:client_list", [], "am1", ["Клиенты", "Новый клиент"]),
        ("web:client_detail", ["client_a"], "am1", ["Реквизиты", "Контактные лица"]),
        ("web:team_load", [], "head", ["Нагрузка аккаунтов", "Таблица нагрузки"]),
        ("web:my_day", [], "am1", ["Мой день", "Связаться сегодня"]),
    ],
)
def test_pages_stay_russian_by_default(org, web_client_for, url_name, args, who, russian):
    web = web_client_for(org.by_role_name(who))
    html = _page(web, reverse(url_name, args=[getattr(org, a).pk for a in args]))
    for text in russian:
        assert text in html
    for text in ["My day", "Company details", "Load table", "Log out"]:
        assert text not in html


def test_switching_back_to_russian(org, web_client_for):
    web = _english(web_client_for(org.am1))
    web.post(reverse("set_language"), {"language": "ru", "next": "/"})
    html = _page(web, reverse("web:client_list"))
    assert "<h1>Клиенты <span" in html and "<h1>Clients" not in html


# --- catalogue -----------------------------------------------------------------------------


def _unquote(line: str) -> str:
    return ast.literal_eval(line.strip())


def _po_entries(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr / msgstr[n], flags. Obsolete (#~) skipped."""
    entries = []
    for block in path.read_text(encoding="utf-8").strip().split("\n\n"):
        entry: dict = {"flags": [], "msgstr": {}}
        key = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry = {}
                break
            if line.startswith("#,"):
                entry["flags"] += [f.strip() for f in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif match := re.match(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (.*)$", line):
                key, value = match.group(1), _unquote(match.group(2))
                if key.startswith("msgstr"):
                    entry["msgstr"][key] = value
                else:
                    entry[key] = value
            elif line.startswith('"') and key:
                if key.startswith("msgstr"):
                    entry["msgstr"][key] += _unquote(line)
                else:
                    entry[key] += _unquote(line)
        if entry and entry.get("msgid"):
            entries.append(entry)
    return entries


def test_every_msgid_is_translated():
    entries = _po_entries(PO_PATH)
    assert len(entries) > 1000
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    unexpected = sorted(set(untranslated) - set(INTENTIONALLY_RUSSIAN))
    assert not unexpected, f"untranslated strings: {unexpected}"
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy translations are ignored by Django: {fuzzy}"
    stale = sorted(set(INTENTIONALLY_RUSSIAN) - set(untranslated))
    assert not stale, f"allow-listed strings that are now translated or gone: {stale}"


def test_translations_are_english_and_plurals_complete():
    for e in _po_entries(PO_PATH):
        for key, value in e["msgstr"].items():
            assert not CYRILLIC.search(value.replace("ВидОплаты", "")), (e["msgid"], key, value)
        if "msgid_plural" in e:
            assert set(e["msgstr"]) == {"msgstr[0]", "msgstr[1]"}, e["msgid"]


def test_compiled_catalogue_matches_po():
    """The committed .mo is what Django loads; it must not lag behind the .po."""
    with MO_PATH.open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    for e in _po_entries(PO_PATH):
        ctx = e.get("msgctxt")  # pgettext / {% translate … context … %} entries
        if "msgid_plural" in e:
            for n, key in ((1, "msgstr[0]"), (5, "msgstr[1]")):
                got = (catalogue.npgettext(ctx, e["msgid"], e["msgid_plural"], n) if ctx is not None
                       else catalogue.ngettext(e["msgid"], e["msgid_plural"], n))
                assert got == e["msgstr"][key], e["msgid"]
        elif e["msgstr"]["msgstr"]:
            got = catalogue.pgettext(ctx, e["msgid"]) if ctx is not None else catalogue.gettext(e["msgid"])
            assert got == e["msgstr"]["msgstr"], (ctx, e["msgid"])


# Literal strings marked for translation: {% translate "…" %} in templates, _("…") / gettext("…") /
# gettext_lazy("…") / pgettext(…, "…") on one line in Python. Not a full parser (makemessages is the
# real tool), but it catches a new string that was never added to the catalogue.
_TEMPLATE_MARK = re.compile(r"""{%\s*(?:translate|trans)\s+"([^"]+)"\s*(?:%}|as\s|context\s|noop)""")
# {% blocktranslate [with …] %}…{% endblocktranslate %} without count/trimmed: the msgid is the body
# with {{ var }} written as %(var)s.
_BLOCK_MARK = re.compile(r"{%\s*blocktranslate(?:\s+with\s[^%]*?)?\s*%}(.*?){%\s*endblocktranslate\s*%}", re.S)
_BLOCK_VAR = re.compile(r"{{\s*(\w+)\s*}}")
_PYTHON_MARK = re.compile(r"""\b(?:_|gettext|gettext_lazy|pgettext(?:_lazy)?\([^,()]+,)\s*\(?\s*"([^"\\]+)"\s*[,)]""")


def test_every_marked_string_is_in_the_catalogue():
    """Run `manage.py makemessages -l en --ignore=.venv --ignore=bench --ignore=var`, translate the
    new entries in locale/en/LC_MESSAGES/django.po and `compilemessages` when this fails."""
    catalogued = {e["msgid"] for e in _po_entries(PO_PATH)}
    root = Path(settings.BASE_DIR) / "tandem"
    missing = []
    for path in sorted(root.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for msgid in _TEMPLATE_MARK.findall(text):
            if msgid not in catalogued and msgid.replace("%", "%%") not in catalogued:  # templates escape %
                missing.append(f"{path.relative_to(root)}: {msgid}")
        for body in _BLOCK_MARK.findall(text):
            msgid = _BLOCK_VAR.sub(r"%(\1)s", body.replace("%", "%%"))
            if "{%" not in body and msgid not in catalogued:
                missing.append(f"{path.relative_to(root)}: {msgid}")
    for path in sorted(root.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for msgid in _PYTHON_MARK.findall(path.read_text(encoding="utf-8")):
            if CYRILLIC.search(msgid) and msgid not in catalogued:
                missing.append(f"{path.relative_to(root)}: {msgid}")
    assert not missing, "strings marked for translation but not in the catalogue:\n" + "\n".join(missing)
