"""Django's ASGI handler, with the threads that run requests kept for the next request, and each
request's synchronous part run in one step.

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

Django's handler also crosses from the event loop to that thread and back three times per request
(the `request_started` signal, the middleware and view, and closing the response with its
`request_finished` signal), and watches for the client going away in a task of its own. Every
middleware here and every view is synchronous, so `handle` crosses once: the request is built, its
signals sent and its answer produced — and, when the answer's body is already in memory, closed —
in one step in the request's thread; the event loop then sends it. A streaming answer (an export)
is produced in that thread a step at a time while it is sent (`_pulled_in_thread`), stopped when
the client goes away and closed after it is sent, as Django does. A client that goes away during
a synchronous view does not stop the view in Django either; its answer is then sent to no one.
Measured at the till's checkout (bench/bench_checkout.py): a sixth less server CPU per request
(ADR 0015).
"""

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpResponseBase
from django.urls import set_script_prefix

MAX_IDLE = 64  # executors kept idle; more are shut down when they finish (a burst, then quiet)


class ReusedThreadsASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        BaseHandler.__init__(self)  # not ASGIHandler's: it loads the middleware for async calls
        self.load_middleware(is_async=False)
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

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        with closing(body_file):
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            if not response.streaming:
                await self.send_response(response, send)
                return
            if not response.is_async:  # type: ignore[attr-defined]
                response.streaming_content = _pulled_in_thread(response.streaming_content)  # type: ignore[attr-defined]
            try:
                await self._send_streaming(response, receive, send)
            finally:
                await sync_to_async(response.close, thread_sensitive=True)()

    async def _send_streaming(self, response: HttpResponseBase, receive: Any, send: Any) -> None:
        """Send a streaming answer, and stop producing it when the client goes away (a cancelled
        download of a long export), as Django's handler does."""

        class Sent(Exception):
            pass

        try:
            try:
                async with asyncio.TaskGroup() as group:
                    group.create_task(self.listen_for_disconnect(receive))
                    await self.send_response(response, send)
                    raise Sent
            except* (Sent, RequestAborted):
                pass
        except BaseExceptionGroup as failed:  # the stream's own error, as itself (as Django does)
            if len(failed.exceptions) == 1:
                raise failed.exceptions[0] from None
            raise

    def _respond(self, scope: Any, body_file: Any) -> HttpResponseBase:
        """What `ASGIHandler.handle` does between reading the body and sending the answer, in the
        request's thread: the answer, closed already unless it streams."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            assert error_response is not None  # Django's own answer to a request it cannot read
            response: HttpResponseBase = error_response
        else:
            response = self.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]  # as Django sets it
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response


STREAM_STEP = 64 * 1024  # bytes of a streaming answer produced per crossing into its thread


def _next_step(parts: Iterator[bytes]) -> bytes:
    step, size = [], 0
    for part in parts:
        step.append(part)
        size += len(part)
        if size >= STREAM_STEP:
            break
    return b"".join(step)


async def _pulled_in_thread(parts: Iterator[bytes]) -> AsyncIterator[bytes]:
    """A streaming answer's parts, produced in the request's thread (where its database cursor
    lives) a step at a time while the event loop sends them. Django would read the whole iterator
    into a list first (and warn): an export of a million customers held in memory, and its first
    byte sent only after the last row was read."""
    pull = sync_to_async(_next_step, thread_sensitive=True)
    while step := await pull(parts):
        yield step


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
