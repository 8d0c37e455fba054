"""Options several sub-commands share: ``--lang`` for the ones that print for people,
``--plans`` for the ones that read the plan files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from services.language import LanguageError, parse_language
from services.settings import Settings

__all__ = ["lang_option", "plans_option"]

F = TypeVar("F", bound=Callable[..., Any])


def _set_language(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is None:
        return
    try:
        lang = parse_language(value)
    except LanguageError as exc:
        raise click.BadParameter(str(exc)) from None
    settings = ctx.find_object(Settings)
    if settings is not None:
        ctx.obj = settings.model_copy(update={"lang": lang})


def lang_option(command: F) -> F:
    """``--lang zh-CN|en`` on a command (the same as ``ontrack --lang``; default: the
    ``ONTRACK_LANG`` variable, else the locale)."""
    return click.option(
        "--lang",
        callback=_set_language,
        expose_value=False,
        is_eager=True,
        help="Language of what this prints: zh-CN or en  [default: ONTRACK_LANG, else the locale]",
    )(command)


def plans_option(command: F) -> F:
    """``--plans DIR`` (or ``ONTRACK_PLANS_DIR``) on a command, as ``plans_dir``."""
    return click.option(
        "--plans",
        "plans_dir",
        envvar="ONTRACK_PLANS_DIR",
        show_envvar=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="Directory of plan files  [default: the plans ontrack ships, services/data/plans]",
    )(command)
