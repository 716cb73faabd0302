"""Sign-in events go to the audit trail (who signed in, from where, and failed attempts)."""

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from setia.core.audit import audit_log


def _ip(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def record_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    audit_log(actor=user, action="login", instance=user, branch_id=user.branch_id, ip_address=_ip(request))


@receiver(user_logged_out)
def record_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_log(actor=user, action="logout", instance=user, branch_id=user.branch_id, ip_address=_ip(request))


@receiver(user_login_failed)
def record_failed_login(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    from setia.accounts.models import User

    username = str(credentials.get("username") or credentials.get("login") or "")[:150]
    user = User.objects.filter(username__iexact=username).first() if username else None
    if user is not None:
        audit_log(
            actor=f"anonymous ({username})",
            action="login_failed",
            instance=user,
            branch_id=user.branch_id,
            ip_address=_ip(request),
        )
