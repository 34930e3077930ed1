"""
Gunicorn configuration: ``gunicorn -c config/gunicorn.conf.py``.

Every value can be overridden from the environment (GUNICORN_BIND,
GUNICORN_WORKERS, ...). What a worker keeps in memory is invalidated by
Redis's pushes before it is trusted (tokens/revocation/tracking.py); each
worker makes its own Redis connection after the fork.
"""

import multiprocessing
import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 10000))
max_requests_jitter = 1000
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
# Log the path, never the query string: tokens must not reach access logs. The
# logger also redacts what a format could still show: the token of a reset or
# verification link in the path, secret query parameters, credential headers.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
logger_class = "config.gunicorn_logging.RedactingLogger"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
