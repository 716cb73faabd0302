"""/static/ is answered at the ASGI level, before Django; everything else reaches Django."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from asgiref.testing import ApplicationCommunicator

from config.asgi import application


async def _get(path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
    }
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await communicator.receive_output(5)
    body = b""
    while True:
        message = await communicator.receive_output(5)
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    return start["status"], dict(start["headers"]), body


def _run(path: str) -> tuple[int, dict[bytes, bytes], bytes]:
    """The request in its own thread and event loop (a browser test may own this thread's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _get(path)).result()


def test_static_file_served_with_security_headers() -> None:
    status, headers, body = _run("/static/vendor/htmx/htmx.min.js")
    assert status == 200 and b"htmx" in body
    assert headers[b"x-content-type-options"] == b"nosniff"


@pytest.mark.django_db(transaction=True)
def test_other_paths_reach_django() -> None:
    status, _headers, _body = _run("/healthz")
    assert status == 200
    missing, _headers, _body = _run("/static/no-such-file.js")
    assert missing == 404
