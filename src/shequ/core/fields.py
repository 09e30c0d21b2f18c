"""Model fields for sensitive personal information: encrypted at rest, found through a blind index."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.functional import cached_property
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


class DerivedCharField(models.CharField):
    """A column computed from another field of the row in ``pre_save``, so that every save and every
    bulk insert keeps it in step (bulk_create calls pre_save too). Subclasses say how in ``derive``."""

    _DEFAULTS: dict[str, Any] = {"max_length": 32, "editable": False, "blank": True, "default": ""}
    _OPTIONS: tuple[str, ...] = ()

    def __init__(self, *args: Any, source: str, **kwargs: Any) -> None:
        self.source = source
        for option in self._OPTIONS:
            setattr(self, option, kwargs.pop(option))
        for key, value in self._DEFAULTS.items():
            kwargs.setdefault(key, value)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(source=self.source, **{option: getattr(self, option) for option in self._OPTIONS})
        for key, value in self._DEFAULTS.items():
            if kwargs.get(key, value) == value:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def derive(self, source_value: str) -> str:
        raise NotImplementedError

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = self.derive(getattr(model_instance, self.source) or "")
        setattr(model_instance, self.attname, value)
        return value


class BlindIndexField(DerivedCharField):
    """A keyed HMAC of another field's normalised value (``kind`` keeps ID numbers and phones apart)."""

    _OPTIONS = ("kind", "normalizer")
    kind: str
    normalizer: str  # dotted path of the function that normalises the source value

    @cached_property
    def _normalize(self) -> Any:
        return import_string(self.normalizer)

    def index_for(self, raw: str) -> str:
        """The index value a search for ``raw`` must match ('' when ``raw`` is empty)."""
        normalized = self._normalize(raw) if raw else ""
        return crypto.blind_index(self.kind, normalized) if normalized else ""

    def derive(self, source_value: str) -> str:
        return self.index_for(source_value)


class PinyinField(DerivedCharField):
    """Pinyin of another field (full, e.g. ``zhangxiaoming``, or initials, ``zxm``) kept in step on save.

    Lets a clerk find 张晓明 by typing ``zhangxiaoming``, ``zhang`` or ``zxm``. Polyphonic characters
    take pypinyin's most common reading; indexing every reading (heteronyms) is left for later.
    """

    _DEFAULTS = {**DerivedCharField._DEFAULTS, "max_length": 200}
    _OPTIONS = ("initials",)
    initials: bool

    def __init__(self, *args: Any, source: str, initials: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, source=source, initials=initials, **kwargs)

    def derive(self, source_value: str) -> str:
        from shequ.core.text import pinyin_full, pinyin_initials

        return (pinyin_initials if self.initials else pinyin_full)(source_value)[: self.max_length]
