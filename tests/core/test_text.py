"""Pinyin for search: the fast per-character reading must give exactly what pypinyin gives."""

from __future__ import annotations

from faker import Faker
from pypinyin import Style, lazy_pinyin

from shequ.core.text import pinyin_full, pinyin_initials


def test_names_read_character_by_character_match_pypinyin_in_context() -> None:
    faker = Faker("zh_CN")
    faker.seed_instance(20261124)
    names = {faker.name() for _ in range(5000)}
    names |= {"曾国藩", "单田芳", "乐嘉", "长孙无忌", "吕秀英", "区志强", "Anna·李"}

    for name in names:
        expected = lazy_pinyin(name, style=Style.NORMAL, errors="default")
        assert pinyin_full(name) == "".join(expected).replace(" ", "").lower(), name
        assert pinyin_initials(name) == "".join(s[:1] for s in expected).replace(" ", "").lower(), name


def test_a_name_is_found_by_its_pinyin_and_initials() -> None:
    assert (pinyin_full("张晓明"), pinyin_initials("张晓明")) == ("zhangxiaoming", "zxm")
    assert pinyin_full("吕秀英") == "lvxiuying"
