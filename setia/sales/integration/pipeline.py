"""What pipeline contributes to other apps (timeline, 360° panels, merge)."""


def register() -> None:
    pass
