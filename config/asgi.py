import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from setia.core.asgi import get_application

# Django's handler, keeping request threads (and so their database connections) between requests.
django_application = get_application()

from setia.core.static import StaticFilesASGI  # noqa: E402 - needs Django set up

# /static/ is answered before Django (see setia/core/static.py); everything else goes to Django.
application = StaticFilesASGI(django_application)
