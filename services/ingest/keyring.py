"""Where a process's batch keys come from: ``ONTRACK_BATCH_KEYS``, or the embedded stack's file.

A deployment sets ``ONTRACK_BATCH_KEYS`` (a secret, the same on every API and stream worker).
The embedded stack (development, the tests, the demo) needs no configuration:
``ontrack stack up`` writes a key of its own, random, once, into ``<stack dir>/batch-keys``
(mode 0600), and a process without the setting uses that file. The file is how the two are
told apart: it exists only where ``ontrack stack up`` has run, never in a deployment's image,
so an API or worker with neither the setting nor the file refuses to start, saying how to set
a key. There is no built-in key.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

from services.ingest.errors import BatchKeyError
from services.ingest.signing import MIN_SECRET_BYTES, BatchKeys, parse_batch_keys
from services.settings import Settings

__all__ = ["STACK_KEY_ID", "load_batch_keys", "make_stack_key", "stack_key_path"]

STACK_KEY_ID = "stack"

MISSING = (
    "no batch key: set ONTRACK_BATCH_KEYS=<id>:<base64 secret>, e.g. "
    "k1:$(openssl rand -base64 32), the same on every API and stream worker "
    "(docs/operations.md, batch keys); on the embedded stack, `ontrack stack up` makes one"
)


def stack_key_path(stack_dir: Path) -> Path:
    return stack_dir / "batch-keys"


def make_stack_key(stack_dir: Path) -> bool:
    """Write the embedded stack's batch key unless it exists; True when it was written now.

    Safe to race: the key is written to a file of its own and linked into place, and only the
    first link succeeds.
    """
    path = stack_key_path(stack_dir)
    if path.exists():
        return False
    stack_dir.mkdir(parents=True, exist_ok=True)
    secret = base64.b64encode(secrets.token_bytes(MIN_SECRET_BYTES)).decode("ascii")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f"{STACK_KEY_ID}:{secret}\n")
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        tmp.unlink()
    return True


def load_batch_keys(settings: Settings) -> BatchKeys:
    """The batch keys of this process; ``BatchKeyError`` (one line, with the fix) when none."""
    if settings.batch_keys is not None:
        return parse_batch_keys(settings.batch_keys.get_secret_value())
    path = stack_key_path(settings.stack_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BatchKeyError(MISSING) from None
    except OSError as exc:
        raise BatchKeyError(
            f"cannot read the embedded stack's batch key {path}: {exc.strerror}; "
            "run as the user who ran `ontrack stack up`, or set ONTRACK_BATCH_KEYS"
        ) from None
    return parse_batch_keys(text, where=str(path))
