"""Connecting to a ``ray://`` address is tried again when the cluster's Ray Client proxy aborts it (its
per-client server failed to start: a CI run's ``ZombieProcess``); any other address, or a proxy that
keeps aborting, is the error it was. The real connection is test_batch_ray's Ray Client test."""

from __future__ import annotations

import pytest

from hermes_agent_loop.engines import ray as engine


class FlakyRay:
    """``ray.init`` that aborts ``aborts`` times, as Ray Client does when its proxy's server start fails."""

    def __init__(self, aborts: int) -> None:
        self.aborts = aborts
        self.addresses: list[str] = []

    def init(self, address: str, log_to_driver: bool) -> None:
        self.addresses.append(address)
        if len(self.addresses) <= self.aborts:
            raise ConnectionAbortedError("Initialization failure from server: psutil.ZombieProcess")


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    monkeypatch.setattr(engine.time, "sleep", lambda seconds: None)


def test_an_aborted_ray_client_connection_is_tried_again():
    ray = FlakyRay(aborts=engine.CONNECT_ATTEMPTS - 1)
    engine.connect(ray, "ray://127.0.0.1:10001")
    assert ray.addresses == ["ray://127.0.0.1:10001"] * engine.CONNECT_ATTEMPTS


def test_a_proxy_that_keeps_aborting_is_the_error():
    ray = FlakyRay(aborts=engine.CONNECT_ATTEMPTS)
    with pytest.raises(ConnectionAbortedError, match="Initialization failure"):
        engine.connect(ray, "ray://127.0.0.1:10001")
    assert len(ray.addresses) == engine.CONNECT_ATTEMPTS


def test_only_ray_client_addresses_are_tried_again():
    ray = FlakyRay(aborts=1)
    with pytest.raises(ConnectionAbortedError):
        engine.connect(ray, "127.0.0.1:6379")
    assert ray.addresses == ["127.0.0.1:6379"]
