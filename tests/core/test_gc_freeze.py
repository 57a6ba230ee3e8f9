"""A web process freezes its long-lived objects once, after its warm-up requests."""

import gc
import itertools

import pytest
from django.core.signals import request_finished

from apps.core import gc_freeze


@pytest.fixture
def freezes(monkeypatch):
    """Each call the receiver makes to freeze, with a fresh request count."""
    calls = []
    monkeypatch.setattr(gc_freeze, "_served", itertools.count(1))
    monkeypatch.setattr(gc_freeze, "long_lived_freeze", lambda: calls.append(1) or 0)
    return calls


def test_freezes_once_after_the_warm_up_requests(settings, freezes):
    settings.HUB_GC_FREEZE_AFTER_REQUESTS = 3
    for _ in range(2):
        gc_freeze.freeze_after_warm_up()
    assert freezes == []
    gc_freeze.freeze_after_warm_up()
    assert freezes == [1]
    for _ in range(10):
        gc_freeze.freeze_after_warm_up()
    assert freezes == [1]


def test_zero_never_freezes(settings, freezes):
    settings.HUB_GC_FREEZE_AFTER_REQUESTS = 0
    for _ in range(5):
        gc_freeze.freeze_after_warm_up()
    assert freezes == []


def test_it_listens_for_every_finished_request():
    assert any(
        receiver() is gc_freeze.freeze_after_warm_up
        for _key, receiver, *_ in request_finished.receivers
    )


def test_served_requests_count(client, settings, freezes):
    settings.HUB_GC_FREEZE_AFTER_REQUESTS = 2
    client.get("/healthz")
    client.get("/healthz")
    assert freezes == [1]


def test_freeze_keeps_objects_alive_and_out_of_collections():
    survivor = [object()]
    try:
        frozen = gc_freeze.long_lived_freeze()
        # Not equal to a later count: a frozen object freed since leaves the permanent generation.
        assert frozen > 0 and gc.get_freeze_count() > 0
        assert not any(o is survivor for o in gc.get_objects())  # the collector skips it now
        assert survivor[0] is not None
    finally:
        gc.unfreeze()
    assert any(o is survivor for o in gc.get_objects())
