"""Serving an ASGI app on a free loopback port from a thread, for the length of a test."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from tests.servers import free_port, wait_until


@contextmanager
def serve(app: Any, lifespan: str = "off") -> Iterator[str]:
    """Yield the base URL (http://127.0.0.1:<port>) while `app` serves there."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan)
    )
    thread = threading.Thread(target=server.run, name=f"fake-{port}", daemon=True)
    thread.start()
    wait_until(lambda: server.started, 10, "a fake server to listen")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
