"""Routes files: YAML read node by node, so every problem says its file, line and fix.

The shared reader (:mod:`services.config`) parses each file and reports what is wrong
with it as YAML (syntax, repeated keys); this module checks what it means.

A directory is read whole (``*.yaml``, ``*.yml``): receivers may be declared in any file,
and exactly one file holds the ``route:`` tree. Secrets never go in these files: a
receiver names the environment variables that hold them (``secrets_env``,
``password_env``); keys such as ``password`` or ``secret`` and URLs with credentials are
refused. A receiver's ``language`` (``zh-CN`` or ``en``) is the one its messages are
written in; a top-level ``language`` is the default of every receiver that names none
(without either, the process's ``ONTRACK_LANG`` or locale decides).
``routes/default.yaml`` (in services/data) shows every key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

import yaml

from services.alerts.notify.errors import MatcherError, RouteFileError
from services.alerts.notify.routing.matchers import Matcher, parse_matcher
from services.alerts.notify.routing.tree import (
    AlertmanagerTarget,
    EmailTarget,
    RateLimit,
    Receiver,
    Route,
    RouteConfig,
    Target,
    WebhookTarget,
    nodes,
)
from services.alerts.rules import DurationError, parse_duration
from services.config import Problem, by_place, problem_at, read_document, yaml_files
from services.language import Language, LanguageError, parse_language

__all__ = ["load_routes"]

_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_SECRET_KEYS = frozenset({"password", "secret", "secrets", "token", "api_key", "auth"})
_ENV_HINT = (
    "keep secrets out of routes files: put the secret in an environment variable and name "
    "the variable (secrets_env: [ONTRACK_WEBHOOK_SECRET], password_env: ONTRACK_SMTP_PASSWORD)"
)
_KINDS = ("email", "webhook", "alertmanager")
_RECEIVER_KEYS = frozenset({"name", "send_resolved", "rate_limit", "language", *_KINDS})
_ROUTE_KEYS = frozenset(
    {
        "receiver",
        "matchers",
        "group_by",
        "group_wait",
        "group_interval",
        "repeat_interval",
        "continue",
        "routes",
    }
)
_TARGET_KEYS = {
    "email": frozenset(
        {"to", "from", "smarthost", "username_env", "password_env", "starttls", "chart"}
    ),
    "webhook": frozenset({"url", "secrets_env", "timeout"}),
    "alertmanager": frozenset({"url", "ttl", "timeout"}),
}


def load_routes(path: str | Path) -> RouteConfig:
    """Read a routes file or directory; raises :class:`RouteFileError` with every problem."""
    root = Path(path)
    files = yaml_files(root)
    if not files:
        raise RouteFileError([Problem(str(root), None, None, "no routes files", "add a *.yaml")])
    reader = _Reader()
    for file in files:
        reader.read(file)
    return reader.finish(str(root))


@dataclass
class _Reader:
    """Collects receivers, the route tree and every problem across the files it reads."""

    file: str = ""
    problems: list[Problem] = field(default_factory=list)
    receivers: dict[str, Receiver] = field(default_factory=dict)
    declared: dict[str, str] = field(default_factory=dict)
    trees: list[tuple[Route, Problem]] = field(default_factory=list)
    places: dict[int, Problem] = field(default_factory=dict)
    references: list[tuple[str, Problem]] = field(default_factory=list)
    language: tuple[Language, Problem] | None = None

    def read(self, path: Path) -> None:
        self.file = str(path)
        doc, problems = read_document(path, empty_fix="add `receivers:` and a `route:` tree")
        self.problems += problems
        if doc is None:
            return
        node = doc.root
        top = self.mapping(node, "the file", {"version", "language", "receivers", "route"})
        if "version" in top and self.scalar(top["version"]) != "1":
            self.add(top["version"], "`version` is not 1", "write version: 1")
        if "language" in top:
            self.default_language(top["language"])
        for item in self.sequence(top["receivers"], "`receivers`") if "receivers" in top else []:
            self.receiver(item)
        if "route" in top:
            tree = self.route(top["route"], "`route`", root=True)
            self.trees.append((tree, self.at(top["route"], "", "")))

    def finish(self, name: str) -> RouteConfig:
        if not self.trees and not self.problems:
            self.problems.append(Problem(name, None, None, "no `route:` tree", "add `route:`"))
        for _, place in self.trees[1:]:
            first = self.trees[0][1]
            message = f"a second `route:` tree (the first is at {first.file}:{first.line})"
            self.problems.append(_moved(place, message, "keep one route tree"))
        for receiver, place in self.references:
            if receiver not in self.receivers and receiver not in self.declared:
                near = difflib.get_close_matches(receiver, list(self.declared), n=1)
                hint = f"did you mean {near[0]!r}? " if near else ""
                fix = f"{hint}declare it under `receivers:`"
                self.problems.append(_moved(place, f"receiver {receiver!r} is not declared", fix))
        if not self.problems:
            config = RouteConfig(
                self.trees[0][0],
                MappingProxyType(dict(self.receivers)),
                self.language[0] if self.language else None,
            )
            self.problems += self.expiring(config)
        if self.problems:
            raise RouteFileError(sorted(self.problems, key=by_place))
        return config

    def expiring(self, config: RouteConfig) -> Iterator[Problem]:
        """Alertmanager drops a firing alert after ``ttl`` unless it is sent again sooner."""
        for node, match in nodes(config):
            receiver = config.receivers[match.receiver]
            target = receiver.target
            if (
                isinstance(target, AlertmanagerTarget)
                and match.timing.repeat_interval >= target.ttl
            ):
                message = (
                    f"receiver {receiver.name!r} gets repeats every {match.timing.repeat_interval} "
                    f"here, but Alertmanager expires an alert {target.ttl} after it was sent"
                )
                fix = "set repeat_interval below the receiver's ttl (or raise its ttl)"
                yield _moved(self.places[id(node)], message, fix)

    # --- receivers ---------------------------------------------------------------------

    def receiver(self, node: yaml.Node) -> None:
        keys = self.mapping(node, "a receiver", _RECEIVER_KEYS)
        if "name" not in keys:
            self.add(node, "a receiver has no `name`", "add name: <a short name>")
            return
        name = self.scalar(keys["name"])
        where = f"receiver {name!r}"
        if name in self.declared:
            fix = "give one of them another name"
            self.add(
                keys["name"], f"{where} is declared twice (first at {self.declared[name]})", fix
            )
            return
        self.declared[name] = f"{self.file}:{keys['name'].start_mark.line + 1}"
        kinds = [k for k in _KINDS if k in keys]
        if len(kinds) != 1:
            found = ", ".join(kinds) or "none"
            message = f"{where} needs exactly one of email, webhook, alertmanager (it has {found})"
            self.add(node, message, "declare one receiver per delivery kind")
            return
        before = len(self.problems)
        target = self.target(kinds[0], keys[kinds[0]], where)
        limit = self.rate_limit(keys["rate_limit"], where) if "rate_limit" in keys else RateLimit()
        resolved = self.boolean(keys.get("send_resolved"), where, default=True)
        language = self.lang(keys["language"], where) if "language" in keys else None
        if len(self.problems) == before:
            self.receivers[name] = Receiver(
                name=name,
                target=target,
                send_resolved=resolved,
                rate_limit=limit,
                language=language,
            )

    def target(self, kind: str, node: yaml.Node, where: str) -> Target:
        keys = self.mapping(node, f"{where} {kind}", _TARGET_KEYS[kind])
        if kind == "email":
            to = self.strings(keys.get("to"), f"{where} email.to", node)
            for address, item in zip(to, _items(keys.get("to")), strict=False):
                if "@" not in address:
                    self.add(
                        item, f"{where}: {address!r} is not an e-mail address", "write a@b.org"
                    )
            return EmailTarget(
                to=tuple(to),
                sender=self.scalar(keys["from"]) if "from" in keys else None,
                smarthost=self.hostport(keys.get("smarthost"), where),
                username_env=self.env(keys.get("username_env"), where),
                password_env=self.env(keys.get("password_env"), where),
                starttls=self.boolean(keys.get("starttls"), where, default=False),
                chart=self.boolean(keys.get("chart"), where, default=True),
            )
        timeout = self.duration(keys.get("timeout"), where) or timedelta(seconds=10)
        if kind == "webhook":
            url = self.url(keys.get("url"), f"{where} webhook", node, required=True)
            names = self.strings(keys.get("secrets_env"), f"{where} webhook.secrets_env", node)
            if "secrets_env" in keys and not names:
                message = f"{where}: webhook.secrets_env is empty: messages could not be signed"
                self.add(keys["secrets_env"], message, "name the variable of at least one secret")
            for item in _items(keys.get("secrets_env")):
                self.env(item, where)
            return WebhookTarget(url=url or "", secrets_env=tuple(names), timeout=timeout)
        url = self.url(keys.get("url"), f"{where} alertmanager", node, required=False)
        ttl = self.duration(keys.get("ttl"), where) or AlertmanagerTarget().ttl
        return AlertmanagerTarget(url=url, ttl=ttl, timeout=timeout)

    def rate_limit(self, node: yaml.Node, where: str) -> RateLimit:
        keys = self.mapping(node, f"{where} rate_limit", {"burst", "every"})
        burst = RateLimit().burst
        if "burst" in keys:
            text = self.scalar(keys["burst"])
            if text.isdigit() and int(text) >= 1:
                burst = int(text)
            else:
                message = f"{where}: rate_limit.burst {text!r} is not a whole number of 1 or more"
                self.add(keys["burst"], message, "write e.g. burst: 5")
        every = self.duration(keys.get("every"), where) or RateLimit().every
        if every <= timedelta(0):
            self.add(keys["every"], f"{where}: rate_limit.every is not positive", "e.g. every: 2m")
        return RateLimit(burst=burst, every=every)

    # --- routes ------------------------------------------------------------------------

    def route(self, node: yaml.Node, where: str, *, root: bool = False) -> Route:
        keys = self.mapping(node, where, _ROUTE_KEYS)
        if root and "receiver" not in keys:
            self.add(node, "the root `route` has no `receiver`", "add receiver: <a receiver>")
        if root and "matchers" in keys:
            message = "the root `route` takes every alert, so it has no matchers"
            self.add(keys["matchers"], message, "move the matchers to a child under `routes:`")
        receiver = self.scalar(keys["receiver"]) if "receiver" in keys else None
        if receiver is not None:
            self.references.append((receiver, self.at(keys["receiver"], "", "")))
        children = self.sequence(keys["routes"], f"{where}.routes") if "routes" in keys else []
        group_by = None
        if "group_by" in keys:
            group_by = tuple(self.strings(keys["group_by"], f"{where}.group_by", node))
        built = Route(
            receiver=receiver,
            matchers=self.matchers(keys.get("matchers"), where),
            group_by=group_by,
            group_wait=self.duration(keys.get("group_wait"), where),
            group_interval=self.duration(keys.get("group_interval"), where),
            repeat_interval=self.duration(keys.get("repeat_interval"), where),
            continue_=self.boolean(keys.get("continue"), where, default=False),
            routes=tuple(
                self.route(child, f"{where} child #{i + 1}") for i, child in enumerate(children)
            ),
        )
        self.places[id(built)] = self.at(node, "", "")
        return built

    def matchers(self, node: yaml.Node | None, where: str) -> tuple[Matcher, ...]:
        if node is None:
            return ()
        found: list[Matcher] = []
        for item in self.sequence(node, f"{where}.matchers"):
            try:
                found.append(parse_matcher(self.scalar(item)))
            except MatcherError as exc:
                message, _, fix = str(exc).partition("; fix: ")
                self.add(item, f"{where}: {message}", fix or "write name=value")
        return tuple(found)

    # --- values ------------------------------------------------------------------------

    def mapping(self, node: yaml.Node, where: str, allowed: frozenset[str] | set[str]) -> dict[str, yaml.Node]:  # fmt: skip
        if not isinstance(node, yaml.MappingNode):
            self.add(node, f"{where} is not a mapping", "write `key: value` lines under it")
            return {}
        keys: dict[str, yaml.Node] = {}
        for key, value in node.value:
            name = str(key.value)  # a key written twice is the shared reader's problem
            if name in _SECRET_KEYS:
                self.add(key, f"{where}: `{name}` would put a secret in the file", _ENV_HINT)
            elif name not in allowed:
                near = difflib.get_close_matches(name, sorted(allowed), n=1)
                fix = f"did you mean `{near[0]}`?" if near else f"use: {', '.join(sorted(allowed))}"
                self.add(key, f"{where}: unknown key `{name}`", fix)
            else:
                keys[name] = value
        return keys

    def sequence(self, node: yaml.Node, where: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.add(node, f"{where} is not a list", "write one `- item` per line, or [a, b]")
            return []
        return list(node.value)

    def scalar(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            self.add(node, "a single value is expected here", "write a value, not a list or map")
            return ""
        return str(node.value)

    def strings(self, node: yaml.Node | None, where: str, parent: yaml.Node) -> list[str]:
        if node is None:
            self.add(parent, f"{where} is missing", f"add {where.rsplit('.', 1)[-1]}: [...]")
            return []
        if isinstance(node, yaml.ScalarNode):
            return [str(node.value)]
        return [self.scalar(item) for item in self.sequence(node, where)]

    def boolean(self, node: yaml.Node | None, where: str, *, default: bool) -> bool:
        if node is None:
            return default
        text = self.scalar(node).lower()
        if text not in ("true", "false"):
            self.add(node, f"{where}: {text!r} is not true or false", "write true or false")
        return text == "true" if text in ("true", "false") else default

    def duration(self, node: yaml.Node | None, where: str) -> timedelta | None:
        if node is None:
            return None
        try:
            return parse_duration(self.scalar(node))
        except DurationError as exc:
            self.add(node, f"{where}: {exc.problem}", exc.fix)
            return None

    def lang(self, node: yaml.Node, where: str) -> Language | None:
        text = self.scalar(node)
        try:
            return parse_language(text)
        except LanguageError:
            message = f"{where}: language {text!r} is not one ontrack writes"
            self.add(node, message, "write language: zh-CN (Chinese) or language: en (English)")
            return None

    def default_language(self, node: yaml.Node) -> None:
        found = self.lang(node, "the file")
        if found is None:
            return
        place = self.at(node, "", "")
        if self.language is not None and self.language[0] is not found:
            first = self.language[1]
            message = (
                f"the default language is {found.value} here but {self.language[0].value} "
                f"at {first.file}:{first.line}"
            )
            self.add(node, message, "keep one top-level language, or set it per receiver")
        elif self.language is None:
            self.language = (found, place)

    def env(self, node: yaml.Node | None, where: str) -> str | None:
        if node is None:
            return None
        name = self.scalar(node)
        if not _ENV_NAME.fullmatch(name):
            message = f"{where}: {name!r} is not the name of an environment variable"
            self.add(node, message, "name the variable holding the secret, e.g. ONTRACK_HOOK_KEY")
        return name

    def url(
        self, node: yaml.Node | None, where: str, parent: yaml.Node, *, required: bool
    ) -> str | None:
        if node is None:
            if required:
                self.add(parent, f"{where}: `url` is missing", "add url: https://…")
            return None
        text = self.scalar(node)
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            self.add(node, f"{where}: {text!r} is not an http(s) URL", "write https://host/path")
        elif parts.username or parts.password:
            self.add(node, f"{where}: the URL carries credentials", _ENV_HINT)
        return text

    def hostport(self, node: yaml.Node | None, where: str) -> str | None:
        if node is None:
            return None
        text = self.scalar(node)
        host, _, port = text.rpartition(":")
        if not host or not port.isdigit():
            self.add(node, f"{where}: smarthost {text!r} is not host:port", "e.g. mail.example:587")
        return text

    def at(self, node: yaml.Node, message: str, fix: str) -> Problem:
        return problem_at(self.file, node, message, fix)

    def add(self, node: yaml.Node, message: str, fix: str) -> None:
        self.problems.append(self.at(node, message, fix))


def _moved(place: Problem, message: str, fix: str) -> Problem:
    return Problem(place.file, place.line, place.column, message, fix)


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return [node] if node is not None else []
