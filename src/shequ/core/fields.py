"""Model fields for sensitive personal information: encrypted at rest, found through a blind index."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.module_loading import import_string

from shequ.core import crypto


class EncryptedTextField(models.TextField):
    """Stores Fernet ciphertext; Python code only ever sees the plaintext.

    Ciphertext is randomised, so the column cannot be filtered on: search through the
    companion :class:`BlindIndexField` instead. Lookups other than ``isnull`` are refused so
    that a mistaken ``filter(phone=...)`` fails loudly instead of silently matching nothing.
    """

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if not value:
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not value:
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise TypeError(f"{self.name} is encrypted: search it through its blind index")
        return super().get_lookup(lookup_name)


class BlindIndexField(models.CharField):
    """A keyed HMAC of another field's normalised value, kept in step on every save and bulk insert."""

    def __init__(self, *args: Any, source: str, kind: str, normalizer: str, **kwargs: Any) -> None:
        self.source = source
        self.kind = kind
        self.normalizer = normalizer
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, kind=self.kind, normalizer=self.normalizer)
        for key in ("max_length", "editable", "blank", "default"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def index_for(self, raw: str) -> str:
        """The index value a search for ``raw`` must match ('' when ``raw`` is empty)."""
        normalized = import_string(self.normalizer)(raw) if raw else ""
        return crypto.blind_index(self.kind, normalized) if normalized else ""

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.index_for(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


class PinyinField(models.CharField):
    """Pinyin of another field (full, e.g. ``zhangxiaoming``, or initials, ``zxm``) kept in step on save.

    Lets a clerk find 张晓明 by typing ``zhangxiaoming``, ``zhang`` or ``zxm``. Polyphonic characters
    take pypinyin's most common reading; with ``heteronyms`` in a future version we could index all.
    """

    def __init__(self, *args: Any, source: str, initials: bool = False, **kwargs: Any) -> None:
        self.source = source
        self.initials = initials
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, initials=self.initials)
        for key in ("max_length", "editable", "blank", "default"):
            kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        from shequ.core.text import pinyin_full, pinyin_initials

        source = getattr(model_instance, self.source) or ""
        value = (pinyin_initials if self.initials else pinyin_full)(source)[: self.max_length]
        setattr(model_instance, self.attname, value)
        return value
