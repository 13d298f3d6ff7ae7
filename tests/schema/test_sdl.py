"""schema.graphql is the contract gateways compose: it must be exactly what the code serves."""

from __future__ import annotations

from pathlib import Path

from support import Tenant

from server.cli import export_schema

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"


def test_committed_sdl_matches_the_code() -> None:
    assert SDL.read_text() == export_schema(), "schema.graphql is stale: run `make schema`"


async def test_service_sdl_is_the_committed_sdl(tenant: Tenant) -> None:
    body = await tenant.raw("{ _service { sdl } }")
    assert body["data"]["_service"]["sdl"] + "\n" == SDL.read_text()


def test_sdl_pins_federation_2_9_and_the_contact_key() -> None:
    sdl = SDL.read_text()
    assert '@link(url: "https://specs.apollo.dev/federation/v2.9"' in sdl
    assert 'type Contact @key(fields: "id")' in sdl
    assert 'type User @key(fields: "id", resolvable: false)' in sdl
