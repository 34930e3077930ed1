"""
A second Django site, one that does not install ``tokens``: DRF, and the
receiver's authentication class. Its receiver configuration comes from the
environment the test starts it with (RECEIVER_SITE_CONFIG, a JSON object).
"""

import json
import os

SECRET_KEY = "receiver-site-secret-key-0123456789-not-for-production"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
INSTALLED_APPS = ["rest_framework"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "tests.receiver.django_site.urls"
DATABASES = {}
USE_TZ = True
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tokens_receiver.django.ReceiverAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # No django.contrib.auth here: an anonymous request's user is None.
    "UNAUTHENTICATED_USER": None,
}
TOKENS_RECEIVER = json.loads(os.environ["RECEIVER_SITE_CONFIG"])
LOGGING = {"version": 1, "disable_existing_loggers": False}
