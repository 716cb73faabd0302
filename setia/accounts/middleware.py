from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class RequireTwoFactorMiddleware:
    """Send staff whose role must use two-factor sign-in to set it up before anything else.

    Only the two-factor pages, sign-out, language switch and static files stay open until then.
    The API is not affected: API keys are a separate credential.
    """

    ALLOWED_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/api/", "/healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(self.ALLOWED_PREFIXES):
            from allauth.mfa.utils import is_mfa_enabled

            from setia.accounts.selectors import user_requires_mfa

            if user_requires_mfa(user) and not is_mfa_enabled(user):
                messages.warning(request, _("Your role must use two-factor sign-in. Set it up to continue."))
                return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
