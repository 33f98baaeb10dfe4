"""Complaint signals in Russian text, matched on lemmas (pymorphy3).

«Мы недовольны», «недовольна результатами», «готовы расторгнуть», «перейдём к другому
подрядчику» all reduce to the same normal forms, so one phrase list catches the inflections.
The analyzer loads its dictionary once per process (about a second, ~15 MB); each distinct
text and word is lemmatised once (the back-test meets the same interaction on many replay days).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

WORD_RE = re.compile(r"[а-яёa-z]+", re.IGNORECASE)
# A phrase matches when its words occur in order with at most this many other words between
# them («нет, к сожалению, результата»).
MAX_GAP = 2


@lru_cache(maxsize=1)
def analyzer() -> Any:
    import pymorphy3  # imported here: loading the dictionary is not free, pages without health never pay it

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=50_000)
def lemma(word: str) -> str:
    return str(analyzer().parse(word)[0].normal_form).replace("ё", "е")


@lru_cache(maxsize=20_000)
def lemmas(text: str) -> tuple[str, ...]:
    """The normal forms of the words of `text`, in order (computed once per distinct text)."""
    return tuple(lemma(w.lower()) for w in WORD_RE.findall(text))


@lru_cache(maxsize=64)
def phrase_lemmas(phrases: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(phrase, its lemmas) for each non-empty line of the agency's phrase list."""
    result = []
    seen: set[tuple[str, ...]] = set()
    for line in phrases.splitlines():
        line = line.strip()
        key = lemmas(line)
        if key and key not in seen:  # «недоволен» and «недовольны» are one phrase
            seen.add(key)
            result.append((line, key))
    return tuple(result)


def _occurs(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    if not phrase:
        return False
    for start, word in enumerate(words):
        if word != phrase[0]:
            continue
        pos, ok = start, True
        for wanted in phrase[1:]:
            window = words[pos + 1: pos + 2 + MAX_GAP]
            if wanted not in window:
                ok = False
                break
            pos = pos + 1 + window.index(wanted)
        if ok:
            return True
    return False


def complaint_phrases_in(text: str, phrases: str) -> list[str]:
    """The phrases of the list (one per line) that occur in `text`, compared on lemmas."""
    words = lemmas(text)
    return [phrase for phrase, plemmas in phrase_lemmas(phrases) if _occurs(words, plemmas)]
