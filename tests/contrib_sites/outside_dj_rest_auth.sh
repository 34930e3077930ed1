#!/bin/sh
# dj-rest-auth's own test suite (7.2.0, from its sdist), switched to
# tokens.contrib.dj_rest_auth as docs/installation.md says, in each documented
# configuration. Nothing of dj-rest-auth is kept here: the sdist is fetched
# into $WORK and patched there.
#
#   tests/contrib_sites/outside_dj_rest_auth.sh [stock|jwt|cookie|docs ...]
#
#   stock   their suite as shipped (SimpleJWT underneath)
#   jwt     + tokens (app, TOKENS key), our authentication class, URLs and
#           claims serializer; their per-test overrides choose the mode
#   cookie  jwt + JWT_AUTH_COOKIE, JWT_AUTH_REFRESH_COOKIE, JWT_AUTH_COOKIE_USE_CSRF
#   docs    jwt + USE_JWT and TOKEN_MODEL None for every test (the docs' block)
#
# Needs the network for pip. WORK=dir to reuse a download; REPO=dir for the code
# under test (default: this checkout).
set -eu
REPO=${REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=${PY:-$REPO/.venv/bin/python}
WORK=${WORK:-$(mktemp -d)}
MODES=${*:-stock jwt cookie docs}
SRC=$WORK/dj_rest_auth-7.2.0/dj_rest_auth
if [ ! -d "$SRC" ]; then
  "$PY" -m pip download -q --no-deps --no-binary :all: dj-rest-auth==7.2.0 -d "$WORK"
  tar xzf "$WORK/dj_rest_auth-7.2.0.tar.gz" -C "$WORK"
  # Their test requirements that this project does not need.
  "$PY" -m pip install -q --no-deps --target "$WORK/site" \
    django-allauth==65.14.1 responses==0.12.1 pyotp==2.9.0 six==1.17.0
fi
for MODE in $MODES; do
  DST=$WORK/run-$MODE
  rm -rf "$DST" && mkdir -p "$DST"
  cp -r "$SRC/tests" "$DST/tests" && cp "$SRC/urls.py" "$DST/urls.py"
  rm -rf "$DST/tests/__pycache__"
  if [ "$MODE" != stock ]; then
    sed -i 's/^from dj_rest_auth.urls import urlpatterns/from tokens.contrib.dj_rest_auth import urlpatterns/' "$DST/tests/urls.py"
    sed -i "/re_path('^token\/verify\/'/d; /re_path('^token\/refresh\/'/d" "$DST/tests/urls.py"
    cat >> "$DST/tests/settings.py" <<'PY'

# Switched to tokens.contrib.dj_rest_auth as docs/installation.md says.
ROOT_URLCONF = "tests.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "tokens"]
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": (
        "rest_framework.authentication.SessionAuthentication",
        "tokens.contrib.dj_rest_auth.JWTCookieAuthentication",
    ),
}
TOKENS = {
    "SIGNING_KEYS": [
        {"kid": "k1", "algorithm": "HS256", "secret": "outside-suite-signing-key-0123456789-abcdef"},
    ],
}
REST_AUTH = {"JWT_TOKEN_CLAIMS_SERIALIZER": "tokens.serializers.TokenObtainPairSerializer"}
PY
    case $MODE in
      cookie) echo 'REST_AUTH = {**REST_AUTH, "JWT_AUTH_COOKIE": "access", "JWT_AUTH_REFRESH_COOKIE": "refresh", "JWT_AUTH_COOKIE_USE_CSRF": True}' >> "$DST/tests/settings.py" ;;
      docs) echo 'REST_AUTH = {**REST_AUTH, "USE_JWT": True, "TOKEN_MODEL": None}' >> "$DST/tests/settings.py" ;;
    esac
  fi
  (cd "$DST" && PYTHONPATH="$WORK/site:$REPO:." DJANGO_SETTINGS_MODULE=tests.settings \
    "$PY" -m django test --testrunner django.test.runner.DiscoverRunner -v 2 \
    tests.test_api tests.test_serializers tests.test_social tests.test_utils \
    > "$DST/log.txt" 2>&1) || true
  echo "== $MODE ($DST/log.txt)"
  grep -E "^Ran |^FAILED|^OK" "$DST/log.txt" || tail -5 "$DST/log.txt"
  grep -E "\.\.\. (ERROR|FAIL)$" "$DST/log.txt" || true
done
