"""A database that django-microsoft-sso 7.x migrated (0001, 0002) migrates forward in place."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from django_microsoft_sso.models import MicrosoftSSOUser
from django_microsoft_sso.testing import DEFAULT_TENANT_ID, TINY_PNG

APP = "django_microsoft_sso"
LAST_7X_MIGRATION = (APP, "0002_microsoftssouser_user_principal_name")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_7x_database_migrates_forward_and_its_people_keep_their_accounts(client, microsoft):
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes(APP)
    alice = microsoft.add_user("alice@contoso.com", mail="alice@contoso.com")
    try:
        executor = migrate([LAST_7X_MIGRATION])
        old_apps = executor.loader.project_state([LAST_7X_MIGRATION]).apps
        OldUser = old_apps.get_model(django_settings.AUTH_USER_MODEL)
        OldLink = old_apps.get_model(APP, "MicrosoftSSOUser")
        user = OldUser.objects.create(username="alice", email="alice@contoso.com")
        OldLink.objects.create(
            user_id=user.pk,
            microsoft_id=alice.object_id.upper(),
            user_principal_name="alice@contoso.com",
            picture_raw=TINY_PNG,
            locale="en-US",
        )
    finally:
        migrate(latest)

    migrated = MicrosoftSSOUser.objects.get()
    assert (migrated.tenant_id, migrated.microsoft_id) == (None, alice.object_id)
    assert bytes(migrated.picture_raw) == TINY_PNG

    response = microsoft.login(client, alice)

    assert response.url == reverse("admin:index")
    assert response.wsgi_request.session[SESSION_KEY] == str(user.pk)
    assert get_user_model().objects.count() == 1
    link = MicrosoftSSOUser.objects.get()
    assert (link.user_id, link.tenant_id, link.microsoft_id, link.locale) == (
        user.pk,
        DEFAULT_TENANT_ID,
        alice.object_id,
        "en-US",
    )
