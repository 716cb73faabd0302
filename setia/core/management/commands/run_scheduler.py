import logging
import signal
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from setia.core.scheduler import scheduler_tick

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Enqueue periodic jobs (config/schedule.py) when they are due. Runs until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=30.0, help="Seconds between checks.")
        parser.add_argument("--once", action="store_true", help="Check once and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        running = True

        def stop(signum: int, frame: Any) -> None:
            nonlocal running
            running = False

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write("Scheduler started.")
        while running:
            close_old_connections()
            try:
                for key in scheduler_tick():
                    self.stdout.write(f"enqueued {key}")
            except Exception:
                logger.exception("scheduler tick failed; trying again next interval")
            if options["once"]:
                break
            deadline = time.monotonic() + options["interval"]
            while running and time.monotonic() < deadline:
                time.sleep(0.5)
        self.stdout.write("Scheduler stopped.")
