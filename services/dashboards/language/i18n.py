"""The language a dashboard is built in: its text written in English in the code, looked up in
the Chinese catalogue (``zh_cn.TEXTS``) when the dashboard is built in Chinese.

``Speech("zh-CN")("Open alerts")`` is ``"未处理告警"``; a text with ``{fields}`` is looked up
first and filled after (``speech("{family} targets", family=...)``). A text the catalogue
lacks stops the build with the text to add; every text looked up is remembered, so a test
can tell the catalogue holds nothing the dashboards no longer say.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.dashboards.language.words import Lang
from services.dashboards.language.zh_cn import TEXTS
from services.errors import OntrackError

__all__ = ["MissingText", "Speech"]


class MissingText(OntrackError):
    """A dashboard text has no translation in the catalogue of the language."""


@dataclass
class Speech:
    """Translates the dashboards' English into ``lang`` (English as it is)."""

    lang: Lang
    used: set[str] = field(default_factory=set)

    @property
    def zh(self) -> bool:
        return self.lang == "zh-CN"

    def __call__(self, text: str, **fields: object) -> str:
        said = text
        if self.zh:
            self.used.add(text)
            found = TEXTS.get(text)
            if found is None:
                raise MissingText(
                    f"no Chinese for the dashboard text {text!r}: add it to "
                    "services/dashboards/language/zh_cn.py"
                )
            said = found
        return said.format(**fields) if fields else said

    def uid(self, base: str) -> str:
        """A dashboard's uid in this language: English keeps the base, Chinese adds ``-zh``."""
        return f"{base}-zh" if self.zh else base
