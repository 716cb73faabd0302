import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from setia.core.static import StaticFilesASGI  # noqa: E402 - needs Django set up

# /static/ is answered before Django (see setia/core/static.py); everything else goes to Django.
application = StaticFilesASGI(django_application)
