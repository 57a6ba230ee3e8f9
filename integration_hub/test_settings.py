"""The small test override: sandbox on, tasks in process unless a real worker is under test."""

import os
import secrets
import tempfile

# A strong key of its own, in the environment so the processes tests start (a real worker, the
# demo) inherit it: with DEBUG off the hub refuses to start on a missing or weak key.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
os.environ.setdefault("HUB_STATE_DIR", tempfile.mkdtemp(prefix="hub-test-"))
# pytest-xdist workers inherit the run's folder: each takes a subfolder of its own (its SQLite
# file, embedded broker, logs), once, so a worker process a test starts keeps the same one.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _xdist_worker and os.path.basename(os.environ["HUB_STATE_DIR"]) != _xdist_worker:
    os.environ["HUB_STATE_DIR"] = os.path.join(os.environ["HUB_STATE_DIR"], _xdist_worker)
os.environ.setdefault("SANDBOX_ENABLED", "1")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
# A fixed key for tests only, in the environment so a real worker started by a test inherits it.
os.environ.setdefault("HUB_FIELD_ENCRYPTION_KEYS", "C1EvLSi-4-9rOsSHHtoAYpn_8Ka6NsZG0rYFtqUz1Qc=")

from integration_hub.settings import *  # noqa: E402,F403
from integration_hub.settings import DATABASES, STATE_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory: the live server's threads then each get their own connection.
    DATABASES["default"]["TEST"] = {"NAME": str(STATE_DIR / "test.sqlite3")}
# In-process tests keep Django's connection per request: tests serve requests on threads that
# end (local servers, concurrency tests), and a connection kept past its request would stay
# open until garbage collection, exhausting the server's connections over a run. The
# processes tests start (real stack, chaos) run the production default, which keeps them.
DATABASES["default"]["CONN_MAX_AGE"] = 0
# The test process serves thousands of requests through the test client; freezing its objects
# would only keep test garbage alive. tests/core/test_gc_freeze.py turns it on where it tests it.
HUB_GC_FREEZE_AFTER_REQUESTS = 0
