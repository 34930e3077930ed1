from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    """Every app's migrations describe its models: nothing left to make."""
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)


@pytest.mark.django_db(transaction=True)
def test_accounts_made_before_verification_count_as_verified():
    """0002 marks existing accounts verified; new ones start unverified."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("accounts", "0001_initial")],
        [("accounts", "0002_email_verification")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_user = executor.loader.project_state(before).apps.get_model("accounts", "User")
    old_user.objects.create(id=2**52 + 1, email="old@example.com", password="!")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    user_model = executor.loader.project_state(after).apps.get_model("accounts", "User")
    assert user_model.objects.get(email="old@example.com").email_verified is True
    fresh = user_model.objects.create(id=2**52 + 2, email="new@example.com")
    fresh.refresh_from_db()
    assert fresh.email_verified is False
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
