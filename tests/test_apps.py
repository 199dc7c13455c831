"""The app's ``ready()`` wires its receivers: importing a module connects nothing."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db.models import signals

from django_microsoft_sso.models import GroupMapping


@pytest.fixture
def no_model_receivers(monkeypatch):
    """post_save and post_delete as before any app was ready: nobody listens."""
    for signal in (signals.post_save, signals.post_delete):
        monkeypatch.setattr(signal, "receivers", [])
        signal.sender_receivers_cache.clear()
    yield
    for signal in (signals.post_save, signals.post_delete):
        signal.sender_receivers_cache.clear()


@pytest.mark.parametrize("sender", [GroupMapping, Group])
@pytest.mark.parametrize("signal", [signals.post_save, signals.post_delete])
def test_ready_connects_the_mapping_rows_receivers(no_model_receivers, signal, sender):
    apps.get_app_config("django_microsoft_sso").ready()

    assert signal.has_listeners(sender)
