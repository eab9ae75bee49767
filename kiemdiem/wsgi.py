"""The WSGI application gunicorn serves (README, "In production").

Everything loaded at start — Django, the apps, the URLconf and the views it imports — lives as long as the process.
`gc.freeze()` takes it out of the garbage collector's reach, so that a full collection walks only what requests made:
on the write load's loop a full collection took ~77 ms with those objects and ~16 ms without, and it stops every
thread of the process while it runs. A request makes tens of thousands of short-lived objects: the youngest generation
is collected every 20,000 allocations instead of 2,000, so those that are alive for the length of a request are not
walked ten times over and pushed into the older generations (on the same loop: 21 collections and ~0.3 s in all
instead of 357 and ~0.5 s). Issue 21; docs/performance.md, "Ninth pass"."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemdiem.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018  # imports the URLconf and every view now, not on the first request
gc.collect()  # what loading left behind goes now, not kept for ever
gc.freeze()
gc.set_threshold(20_000, 10, 10)
