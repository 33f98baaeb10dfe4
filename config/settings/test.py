"""Tests: fast password hashing, in-memory e-mail, eager jobs."""

from .base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LANGUAGE_CODE = "ru"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The Django test client's login() authenticates without a request, which axes refuses; tests of
# the lockout switch it on with the `settings` fixture.
AXES_ENABLED = False
# Rate limits off (tests run many requests per second as one user); throttle tests set low rates.
API_THROTTLE_RATES = {"burst": None, "sustained": None, "anon": None}
# A replica alias mirroring the default database (Django's TEST MIRROR), so the router's tests run
# on SQLite and PostgreSQL alike; reads use it only where a test sets REPLICA_DATABASE = "replica".
if "replica" not in DATABASES:  # noqa: F405
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
REPLICA_DATABASE = None
# With Redis (REDIS_URL), each pytest-xdist worker gets its own Redis database: a test that
# clears the cache (cache.clear() is FLUSHDB) must not empty the sessions and caches of the
# tests running in the other worker at the same moment.
_xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # noqa: F405
if _xdist_worker.startswith("gw") and "CACHES" in globals() and CACHES["default"]["BACKEND"].endswith("RedisCache"):  # noqa: F405,E501
    from urllib.parse import urlsplit, urlunsplit

    _parts = urlsplit(CACHES["default"]["LOCATION"])  # noqa: F405
    CACHES["default"] = {**CACHES["default"],  # noqa: F405
                         "LOCATION": urlunsplit(_parts._replace(path=f"/{2 + int(_xdist_worker[2:] or 0)}"))}
