"""Helpers shared by the emulator tests."""

from datetime import datetime, timezone

FROZEN_AT = datetime(2022, 8, 10, 4, 25, 0, 626652, tzinfo=timezone.utc)
CLIENT_ID = "xsoar-demo"
CLIENT_SECRET = "vision-demo-secret"
REFERENCE_ID = "<1216208547.160.1658930322668@6d14a4fa9032>"


def fetch_token(client, **form) -> str:
    body = {"grant_type": "client_credentials", "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, **form}
    reply = client.post("/uaa/oauth/token", data=body)
    assert reply.status_code == 200, reply.json
    return reply.json["access_token"]


class AuthorizedClient:
    """A Flask test client that sends a valid bearer token with every call."""

    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path: str, **kwargs):
        return self.client.post(path, headers=self.headers, **kwargs)

    def create_search(self, **criteria) -> dict:
        reply = self.post("/api/v4/searches", json=criteria)
        assert reply.status_code == 200, reply.json
        return reply.json

    def search(self, **criteria) -> dict:
        """Creates a search and returns its first page of results (size 2000)."""
        search_id = self.create_search(**criteria)["id"]
        reply = self.get(f"/api/v4/searches/{search_id}/results?size=2000")
        assert reply.status_code == 200, reply.json
        return reply.json
