"""Batches from a Faust stream whose events are acknowledged only once the batch is handled.

Faust's own ``Stream.take`` acknowledges a batch in a ``finally`` block, so a batch whose
handling raised (or was cancelled at shutdown) would still have its offsets committed. Here
the acknowledgement happens only when the caller asks for the next batch, i.e. after the
database transaction that stored it has committed; a failed batch stays unacknowledged and
is delivered again after a restart or rebalance.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

__all__ = ["committed_batches"]


async def committed_batches(stream: Any, max_: int, within: float) -> AsyncIterator[list[Any]]:
    """Yield lists of up to ``max_`` events, waiting at most ``within`` seconds to fill one."""
    buffer: list[Any] = []
    full = asyncio.Event()
    drained = asyncio.Event()

    async def collect(value: Any) -> Any:
        buffer.append(stream.current_event)
        if len(buffer) >= max_:
            full.set()
            drained.clear()
            await stream.wait(drained)  # back-pressure: never hold more than one batch ahead
        return value

    stream.enable_acks = False
    stream.add_processor(collect)
    stream._enable_passive(stream.channel.__aiter__())
    try:
        while not stream.should_stop:
            await stream.wait_for_stopped(full, timeout=within)
            if not buffer:
                continue
            batch = buffer[:max_]
            del buffer[:max_]
            if len(buffer) < max_:
                full.clear()
            yield batch
            # Reached only when the caller comes back for more: the batch is stored.
            for event in batch:
                await stream.ack(event)
            drained.set()
    finally:
        stream._processors.remove(collect)
