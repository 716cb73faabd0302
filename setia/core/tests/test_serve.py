"""`manage.py serve`: the web server, the task worker and the scheduler side by side."""

import subprocess
from typing import Any

import pytest
from django.core.management import call_command


class _Finished:
    """A process that has already ended (the command then stops the others and exits)."""

    returncode = 0

    def __init__(self, command: list[str], **options: Any) -> None:
        started.append((command, options))

    def poll(self) -> int:
        return 0

    def wait(self, timeout: float | None = None) -> int:
        return 0


started: list[tuple[list[str], dict[str, Any]]] = []


def test_every_process_is_told_the_port_so_emailed_links_point_at_this_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started.clear()
    monkeypatch.setattr(subprocess, "Popen", _Finished)
    with pytest.raises(SystemExit):
        call_command("serve", port="8020")
    assert len(started) == 3  # web, worker, scheduler
    web = next(command for command, _options in started if "uvicorn" in command)
    assert web[web.index("--port") + 1] == "8020"
    assert all(options["env"]["PORT"] == "8020" for _command, options in started)
