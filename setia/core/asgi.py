"""Django's ASGI handler, with the threads that run requests kept for the next request.

Django runs the synchronous part of each request (middleware, view, ORM) in a thread of its own:
`ASGIHandler` enters a fresh `ThreadSensitiveContext` per request, so asgiref starts a new thread
for it and joins it afterwards. Every request then also opens its own database connection (they
are per thread): with SQLite that means reading the schema again, with PostgreSQL a trip through
the pool, and prepared statements are lost. Measured on the caller lookup, that was most of the
server's time per request under load (bench/bench_customers.py).

Here each request still gets a thread to itself for as long as it runs (asgiref's executor with
a single worker, as Django intends), but the executor is taken from a list of idle ones and put
back afterwards. So there are as many threads as requests ever ran at once, each keeping its
database connection between requests (`CONN_MAX_AGE` / the pool decide how long).
"""

import gc
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext
from django.core.handlers.asgi import ASGIHandler

MAX_IDLE = 64  # executors kept idle; more are shut down when they finish (a burst, then quiet)


class ReusedThreadsASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self._idle: list[ThreadPoolExecutor] = []  # touched only from the event loop's thread

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = self._idle.pop() if self._idle else ThreadPoolExecutor(1, thread_name_prefix="request")
        try:
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)


def get_application() -> ReusedThreadsASGIHandler:
    """As `django.core.asgi.get_asgi_application`, with the reused threads."""
    import django

    django.setup(set_prefix=False)
    handler = ReusedThreadsASGIHandler()
    settle_startup_objects()
    return handler


def settle_startup_objects() -> None:
    """Take what a worker holds from its start (modules, the app registry, the URL patterns: about
    200,000 objects the cycle collector tracks) out of the collector's view (`gc.freeze`): they
    live as long as the process. Otherwise every full collection walks all of them, in the middle
    of whichever request allocated last — measured 147 to 305 ms inside a customer-list request (the
    list pages' p99 in bench/bench_customers.py). Later objects are collected as usual."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - loaded now rather than by the first request
    gc.collect()
    gc.freeze()
