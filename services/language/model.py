"""Which language people read: ``Language``, and choosing it from a flag, a variable or the locale.

``ONTRACK_LANG`` (or ``--lang``) names it; without either, the locale decides as POSIX
programs do: the first of ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set, and a
locale starting with ``zh`` means Chinese; anything else, or nothing, means English.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

__all__ = ["LOCALE_VARIABLES", "Language", "LanguageError", "from_locale", "parse_language"]

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


class LanguageError(ValueError):
    """A language name that is neither Chinese nor English."""


class Language(StrEnum):
    """The languages ontrack writes for people: simplified Chinese and English."""

    ZH = "zh-CN"
    EN = "en"


def parse_language(text: str) -> Language:
    """``zh-CN``, ``zh``, ``zh_CN.UTF-8`` → Chinese; ``en``, ``en-GB``, ``C`` → English."""
    folded = text.strip().replace("_", "-").split(".", 1)[0].lower()
    if folded in ("zh", "zh-cn", "zh-hans", "zh-hans-cn", "zh-sg"):
        return Language.ZH
    if folded in ("en", "c", "posix") or folded.startswith("en-"):
        return Language.EN
    raise LanguageError(
        f"language {text!r} is not one ontrack writes: use zh-CN (Chinese) or en (English)"
    )


def from_locale(env: Mapping[str, str]) -> Language:
    """The language of a locale: the first of LC_ALL, LC_MESSAGES, LANG that is set."""
    for name in LOCALE_VARIABLES:
        value = env.get(name)
        if value:
            return Language.ZH if value.lower().startswith("zh") else Language.EN
    return Language.EN
