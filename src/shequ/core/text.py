"""Chinese text helpers: pinyin for search, and input normalisation."""

from __future__ import annotations

from functools import cache, lru_cache

from pypinyin import Style, lazy_pinyin, pinyin


@cache
def _only_reading(character: str) -> str:
    """The toneless reading of a character that has only one, else '' (polyphonic, or not Chinese)."""
    readings = set(pinyin(character, style=Style.NORMAL, heteronym=True, errors="default")[0])
    return readings.pop() if len(readings) == 1 and "\u4e00" <= character <= "\u9fff" else ""


@lru_cache(maxsize=65536)
def _syllables_of(text: str) -> tuple[str, ...]:
    """One pinyin pass per name, shared by the full and the initials form (latin and digits kept).

    A name whose characters each have one reading is read character by character, which is what
    pypinyin's phrase segmentation would give and twice as fast (an import reads tens of thousands of
    names); a name with a polyphonic character (曾, 单, 乐…) goes to pypinyin, which reads it in context.
    """
    syllables = []
    for character in text:
        reading = _only_reading(character)
        if not reading:
            return tuple(lazy_pinyin(text, style=Style.NORMAL, errors="default"))
        syllables.append(reading)
    return tuple(syllables)


def pinyin_full(text: str) -> str:
    """``张晓明`` → ``zhangxiaoming``; latin letters and digits are kept, lower-cased."""
    return "".join(_syllables_of(text)).replace(" ", "").lower()


def pinyin_initials(text: str) -> str:
    """``张晓明`` → ``zxm``."""
    return "".join(syllable[:1] for syllable in _syllables_of(text)).replace(" ", "").lower()


def looks_like_pinyin(query: str) -> bool:
    return query.isascii() and query.replace(" ", "").isalpha()


def normalize_name(raw: str) -> str:
    """Trim and fold full-width spaces; the middle dot of minority and foreign names is unified."""
    return raw.replace("\u3000", " ").strip().replace("•", "·").replace("．", "·")


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable pypinyin knows (zhong, lv, …), without vowel-less interjections."""
    from pypinyin.constants import PINYIN_DICT
    from pypinyin.contrib.tone_convert import to_normal

    found = set()
    for readings in PINYIN_DICT.values():
        for reading in readings.split(","):
            syllable = to_normal(reading).replace("ü", "v")
            if syllable.isalpha() and any(vowel in syllable for vowel in "aeiouv"):
                found.add(syllable)
    return frozenset(found)


@lru_cache(maxsize=1)
def _syllable_prefixes() -> frozenset[str]:
    return frozenset(syllable[:end] for syllable in _syllables() for end in range(1, len(syllable) + 1))


def could_be_full_pinyin(letters: str) -> bool:
    """``zhangxi`` can be the start of a full-pinyin name (zhang + xi…); ``zxm`` cannot."""
    syllables, prefixes = _syllables(), _syllable_prefixes()
    reachable = {0}
    for start in range(len(letters)):
        if start not in reachable:
            continue
        if letters[start:] in prefixes:
            return True
        for end in range(start + 1, min(len(letters), start + 6) + 1):
            if letters[start:end] in syllables:
                reachable.add(end)
    return len(letters) in reachable


def could_be_initials(letters: str) -> bool:
    """Names have two to four characters, and no syllable starts with i, u or v."""
    return 0 < len(letters) <= 4 and not any(ch in "iuv" for ch in letters)
