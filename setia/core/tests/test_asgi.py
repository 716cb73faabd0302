"""The server's handler (`setia.core.asgi`): a request's synchronous part in one step in a thread
kept for the next request, its signals sent once, a streaming answer closed after it is sent."""

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse

from config.asgi import application
from setia.conftest import Business, client_for
from setia.core.asgi import ReusedThreadsASGIHandler
from setia.customers.services import customer_create


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *(headers or [])],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
    }


class Recorder:
    """What happened, in order: the signals (with the thread they ran in) and what was sent."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def started(self, **kwargs: Any) -> None:
        self.events.append(("started", threading.get_ident()))

    def finished(self, **kwargs: Any) -> None:
        self.events.append(("finished", threading.get_ident()))

    def named(self, name: str) -> list[Any]:
        return [value for event, value in self.events if event == name]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    recorded = Recorder()
    request_started.connect(recorded.started, weak=False, dispatch_uid="test-asgi-started")
    request_finished.connect(recorded.finished, weak=False, dispatch_uid="test-asgi-finished")
    yield recorded
    request_started.disconnect(dispatch_uid="test-asgi-started")
    request_finished.disconnect(dispatch_uid="test-asgi-finished")


async def _call(
    app: Any, scope: dict[str, Any], body: bytes, recorder: Recorder
) -> tuple[int, dict[bytes, bytes], bytes]:
    """One request through `app`; every message sent is recorded after the signals before it."""
    received = False
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal received
        if not received:
            received = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the client stays connected
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        recorder.events.append(("sent", message["type"]))
        sent.append(message)

    recorder.events.append(("loop", threading.get_ident()))
    await app(scope, receive, send)
    start = sent[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


def _run(
    app: Any, requests: list[tuple[dict[str, Any], bytes]], recorder: Recorder
) -> list[tuple[int, dict[bytes, bytes], bytes]]:
    """The requests one after the other on one event loop in its own thread (as a server worker;
    a browser test may own this thread's loop)."""

    async def all_of_them() -> list[tuple[int, dict[bytes, bytes], bytes]]:
        return [await _call(app, scope, body, recorder) for scope, body in requests]

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, all_of_them()).result()


@pytest.mark.django_db(transaction=True)
def test_a_request_runs_in_one_thread_kept_for_the_next_with_its_signals_once(recorder: Recorder) -> None:
    answers = _run(application, [(_scope("GET", "/healthz"), b""), (_scope("GET", "/healthz"), b"")], recorder)
    assert [status for status, _headers, _body in answers] == [200, 200]
    started, finished, loops = recorder.named("started"), recorder.named("finished"), recorder.named("loop")
    assert len(started) == len(finished) == 2
    # Both signals of both requests in the same thread — not the event loop's: the second request
    # found the first one's thread (and so its database connection) idle and took it.
    assert len(set(started + finished)) == 1
    assert started[0] != loops[0]


@pytest.mark.django_db(transaction=True)
def test_pages_and_api_answers_go_through_the_whole_synchronous_chain(recorder: Recorder) -> None:
    (page, page_headers, page_body), (missing, _h, _b), (api, _api_headers, api_body) = _run(
        application,
        [
            (_scope("GET", "/accounts/login/"), b""),
            (_scope("GET", "/no-such-page/"), b""),
            (_scope("POST", "/api/v1/orders", [(b"content-type", b"application/json")]), b"{}"),
        ],
        recorder,
    )
    assert page == 200 and b'name="login"' in page_body
    assert b"csrftoken=" in page_headers[b"Set-Cookie"]  # the cookie middleware ran
    assert page_headers[b"X-Frame-Options"] == b"DENY"
    assert missing == 404
    assert api == 401 and b"Authorization: Bearer" in api_body
    assert len(recorder.named("started")) == len(recorder.named("finished")) == 3


@pytest.mark.filterwarnings("error:StreamingHttpResponse must consume synchronous iterators")
@pytest.mark.parametrize("streaming", [False, True])
def test_an_answer_is_closed_once_and_a_streaming_one_after_it_was_sent(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch, streaming: bool
) -> None:
    handler = ReusedThreadsASGIHandler()
    rows = [f"{n:05d},{'x' * 994}\n".encode() for n in range(200)]  # 200 KB

    def produced() -> Iterator[bytes]:
        for row in rows:
            recorder.events.append(("row", threading.get_ident()))
            yield row

    def answer(request: HttpRequest) -> HttpResponseBase:
        recorder.events.append(("view", threading.get_ident()))
        if streaming:
            return StreamingHttpResponse(produced(), content_type="text/csv")
        return HttpResponse(b"".join(rows), content_type="text/csv")

    monkeypatch.setattr(handler, "get_response", answer)
    [(status, _headers, body)] = _run(handler, [(_scope("GET", "/export"), b"")], recorder)
    assert (status, body) == (200, b"".join(rows))
    kinds = [event if event != "sent" else value for event, value in recorder.events]
    assert kinds.count("finished") == 1
    if streaming:
        # Produced in the view's thread (where its database cursor would be), a step at a time
        # while it is sent — not read whole into memory first — and closed after the last part.
        assert set(recorder.named("row")) == set(recorder.named("view")) != set(recorder.named("loop"))
        assert kinds.count("http.response.body") >= 4  # 200 KB in steps of 64 KB, then the end
        assert kinds[: kinds.index("http.response.body")].count("row") < len(rows)  # sent before all were made
        assert kinds[-1] == "finished" and kinds.index("finished") > kinds.index("http.response.start")
    else:  # its body is in memory: closed in the request's step, before anything is sent
        assert kinds.index("finished") < kinds.index("http.response.start")


@pytest.mark.filterwarnings("error:StreamingHttpResponse must consume synchronous iterators")
@pytest.mark.django_db(transaction=True)
def test_the_customer_export_streams_through_the_server(business: Business, recorder: Recorder) -> None:
    for n in range(3):
        customer_create(actor=business.owner, name=f"Pelanggan Ekspor {n}", home_branch=business.branch_a)
    client = client_for(business.owner)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    [(status, headers, body)] = _run(
        application, [(_scope("GET", "/customers/export/", [(b"cookie", cookie)]), b"")], recorder
    )
    assert status == 200 and headers[b"Content-Type"].startswith(b"text/csv")
    text = body.decode("utf-8-sig")
    assert all(f"Pelanggan Ekspor {n}" in text for n in range(3))
    assert recorder.events[-1][0] == "finished"


def test_a_streaming_answer_stops_when_the_client_goes_away(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = ReusedThreadsASGIHandler()
    total = 5_000  # 5 MB in rows of 1 KB
    made: list[int] = []

    def produced() -> Iterator[bytes]:
        for n in range(total):
            made.append(n)
            yield f"{n:05d},{'x' * 994}\n".encode()

    monkeypatch.setattr(handler, "get_response", lambda request: StreamingHttpResponse(produced()))

    async def download_then_leave() -> int:
        first_part = asyncio.Event()
        bodies = 0
        asked = False

        async def receive() -> dict[str, Any]:
            nonlocal asked
            if not asked:
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await first_part.wait()  # the browser's download is cancelled after the first part
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal bodies
            if message["type"] == "http.response.body":
                bodies += 1
                first_part.set()
                await asyncio.sleep(0.01)  # a slow line: the server waits on the client

        await handler(_scope("GET", "/export"), receive, send)
        return bodies

    with ThreadPoolExecutor(1) as pool:
        bodies = pool.submit(asyncio.run, download_then_leave()).result()
    assert bodies >= 1
    assert len(made) < total  # not produced to the end for no one
    assert recorder.named("finished")  # and closed


def test_a_stream_that_fails_raises_its_own_error_and_is_closed(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = ReusedThreadsASGIHandler()

    def produced() -> Iterator[bytes]:
        yield b"x" * 70_000
        raise LookupError("the export's cursor failed")

    monkeypatch.setattr(handler, "get_response", lambda request: StreamingHttpResponse(produced()))
    with pytest.raises(LookupError, match="cursor failed"):  # for the server's log, not a group of one
        _run(handler, [(_scope("GET", "/export"), b"")], recorder)
    assert recorder.named("finished")
