"""
The supported versions, tested: ``nox`` (or ``nox -s "tests-3.12(django='6.0')"``).

Each session installs the project's pinned requirements with its own Django,
Django REST framework and SimpleJWT, and runs the package's tests: tests/tokens
(with the stock-User site and the dj-rest-auth/djoser integrations), the
receiver's (its Django adapter included) and the SimpleJWT-idiom site. The
oldest releases declared in pyproject.toml run on the oldest Python; the
newest on the newest.
"""

from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = False
nox.options.error_on_missing_interpreters = True

# Installed per session instead of the pins in requirements.txt.
VARIED = {"django", "djangorestframework", "djangorestframework-simplejwt"}
# Not needed by the package's tests (browser tests, linting, type checking,
# building, the documentation site); the stubs would also pin Django.
SKIPPED = {
    "playwright",
    "ruff",
    "nox",
    "hatchling",
    "mypy",
    "django-stubs",
    "django-stubs-ext",
    "djangorestframework-stubs",
    "mkdocs",
    "mkdocs-material",
}

MATRIX = [
    # (python, Django, DRF, SimpleJWT): the oldest declared, then the newest.
    (
        "3.11",
        "5.2",
        "djangorestframework==3.15.2",
        "djangorestframework-simplejwt==5.5.1",
    ),
    ("3.12", "6.0", "djangorestframework", "djangorestframework-simplejwt"),
    ("3.13", "6.1", "djangorestframework", "djangorestframework-simplejwt"),
]
TESTS = ["tests/tokens", "tests/receiver", "tests/test_simplejwt_site.py"]


def pinned_requirements() -> list[str]:
    """requirements.txt without the packages a session chooses itself."""
    keep = []
    for line in Path("requirements.txt").read_text().splitlines():
        spec = line.split("#", 1)[0].strip()
        name = spec.split("==", 1)[0].split("[", 1)[0].strip().lower()
        if spec and name not in VARIED | SKIPPED:
            keep.append(spec)
    return keep


@nox.session
@nox.parametrize(
    "python,django,drf,simplejwt",
    [nox.param(*row, id=f"{row[0]}-django{row[1]}") for row in MATRIX],
)
def tests(session: nox.Session, django: str, drf: str, simplejwt: str) -> None:
    session.install(*pinned_requirements(), f"Django~={django}.0", drf, simplejwt)
    session.run(
        "python",
        "-c",
        "import django, rest_framework, rest_framework_simplejwt as s; "
        "print('Django', django.__version__, 'DRF', rest_framework.__version__, "
        "'SimpleJWT', s.__version__)",
    )
    session.run("python", "-m", "pytest", "-q", *TESTS, *session.posargs)
