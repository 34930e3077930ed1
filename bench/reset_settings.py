"""
Settings of the reset-timing probe (``bench/reset_timing.py``): the project's,
with throttles out of the way and a mail backend as slow as a remote SMTP
exchange. ``TASKS_BACKEND`` (``database`` or ``immediate``) picks where mail
is sent: a tasks worker, or the request worker after its response (as before).
"""

import os

os.environ.setdefault("SECRET_KEY", "bench-secret-key-not-for-production-0123456789")
os.environ.setdefault("JWT_SIGNING_KEY", "bench-jwt-signing-key-0123456789-abcdefghij")
os.environ["DEBUG"] = "0"
os.environ["SECURE_SSL_REDIRECT"] = "0"

from config.settings import *  # noqa: E402,F403
from config.settings import REST_FRAMEWORK  # noqa: E402

EMAIL_BACKEND = "bench.slowmail.SlowEmailBackend"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        scope: "1000000/min" for scope in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    },
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
