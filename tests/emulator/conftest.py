"""Fixtures for the emulator tests: a backend on a frozen clock, its app and clients."""

import pytest

from vision_emulator import Backend, create_app

from .support import FROZEN_AT, AuthorizedClient, fetch_token


@pytest.fixture
def backend():
    return Backend(frozen_at=FROZEN_AT)


@pytest.fixture
def app(backend):
    return create_app(backend)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def vision(client):
    """A test client that sends a valid bearer token with every call."""
    return AuthorizedClient(client, fetch_token(client))
