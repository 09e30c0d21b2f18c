"""Chinese text helpers: pinyin for search, and input normalisation."""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=65536)
def pinyin_full(text: str) -> str:
    """``张晓明`` → ``zhangxiaoming``; latin letters and digits are kept, lower-cased."""
    return "".join(lazy_pinyin(text, style=Style.NORMAL, errors="default")).replace(" ", "").lower()


@lru_cache(maxsize=65536)
def pinyin_initials(text: str) -> str:
    """``张晓明`` → ``zxm``."""
    return "".join(
        syllable[:1] for syllable in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    ).replace(" ", "").lower()


def looks_like_pinyin(query: str) -> bool:
    return query.isascii() and query.replace(" ", "").isalpha()


def normalize_name(raw: str) -> str:
    """Trim and fold full-width spaces; the middle dot of minority and foreign names is unified."""
    return raw.replace("\u3000", " ").strip().replace("•", "·").replace("．", "·")
