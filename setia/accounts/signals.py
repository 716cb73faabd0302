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


def _forget_api_keys(sender: Any, **kwargs: Any) -> None:
    """A key revoked or deleted, or its user changed (role, branch, deactivated): the remembered
    key is dropped in this process at once (other processes: within MEMO_SECONDS)."""
    from setia.accounts.selectors import API_KEYS

    API_KEYS.clear()


def _forget_access_settings(sender: Any, **kwargs: Any) -> None:
    from setia.accounts.selectors import ACCESS_SETTINGS

    ACCESS_SETTINGS.clear()


def connect_memo_receivers() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from setia.accounts.models import ApiKey, BusinessSettings, User

    for model in (ApiKey, User):
        post_save.connect(_forget_api_keys, sender=model, dispatch_uid=f"memo-api-keys-save-{model.__name__}")
        post_delete.connect(_forget_api_keys, sender=model, dispatch_uid=f"memo-api-keys-delete-{model.__name__}")
    m2m_changed.connect(_forget_api_keys, sender=User.managed_branches.through, dispatch_uid="memo-api-keys-m2m")
    post_save.connect(_forget_access_settings, sender=BusinessSettings, dispatch_uid="memo-access-settings-save")
    post_delete.connect(_forget_access_settings, sender=BusinessSettings, dispatch_uid="memo-access-settings-delete")
