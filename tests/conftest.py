"""Shared fixtures: a live server on loopback, the official SDK pointed at it, spec schemas."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from openai import OpenAI
from openai.types import Video
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from sqlalchemy import Engine

from tests.databases import BACKENDS, POSTGRES_URL_ENV, engine_for, postgres_url
from tests.local import missing_packages
from tests.server import ServerProcess

SPECS = Path(__file__).parent / "specs"


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database: SQLite, and PostgreSQL when REELGATE_TEST_DATABASE_URL names one."""
    if request.param == "postgresql" and postgres_url() is None:
        pytest.skip(f"PostgreSQL: {POSTGRES_URL_ENV} is not set")
    with engine_for(request.param, tmp_path) as engine:
        yield engine


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any) -> None:
    if postgres_url() is None:
        terminalreporter.write_sep(
            "!",
            f"PostgreSQL tests SKIPPED: set {POSTGRES_URL_ENV}=postgresql://USER@HOST:PORT/DB "
            "to run the data-layer tests against PostgreSQL too",
            red=True,
            bold=True,
        )
    missing = missing_packages()
    if missing:
        terminalreporter.write_sep(
            "!",
            f"Local-model tests SKIPPED (tests/local): {', '.join(missing)} not installed; "
            "pip install 'reelgate[local]' to run them (.ci/run does)",
            red=True,
            bold=True,
        )


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the whole session (tests that restart servers make their own)."""
    # Every file left when it stops must belong to a job (no orphans after any test).
    shared = tmp_path_factory.mktemp("shared") / "data"
    with ServerProcess(shared, workers=2, check_orphans=True) as process:
        yield process


@pytest.fixture(scope="session")
def client(server: ServerProcess) -> OpenAI:
    return OpenAI(base_url=f"{server.base_url}/v1", api_key="anything", max_retries=0)


@pytest.fixture(scope="session")
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as session:
        yield session


class SpecSchemas:
    """Validates JSON bodies against schemas of the official OpenAI document."""

    def __init__(self, path: Path) -> None:
        document = json.loads(path.read_text())
        self._registry = Registry().with_resource(
            "urn:openai", Resource.from_contents(document, default_specification=DRAFT202012)
        )
        self._document = document

    def validate(self, name: str, instance: Any) -> None:
        schema = {"$ref": f"urn:openai#/components/schemas/{name}"}
        validator = Draft202012Validator(schema, registry=self._registry)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, f"{name} violations: {[e.message for e in errors]}"


@pytest.fixture(scope="session")
def spec() -> SpecSchemas:
    """Schemas of OpenAI's official document."""
    return SpecSchemas(SPECS / "openai-videos.json")


@pytest.fixture(scope="session")
def azure_spec() -> SpecSchemas:
    """Schemas of Azure's official v1 preview document (`nullable` already converted)."""
    return SpecSchemas(SPECS / "azure-videos.json")


@pytest.fixture(scope="session")
def images_spec() -> SpecSchemas:
    """Images schemas of OpenAI's official document (responses, stream events, errors)."""
    return SpecSchemas(SPECS / "openai-images.json")


@pytest.fixture(scope="session")
def azure_images_spec() -> SpecSchemas:
    """Images schemas of Azure's official v1 preview document (`nullable` already converted)."""
    return SpecSchemas(SPECS / "azure-images.json")


def wait_for(http: httpx.Client, video_id: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll a video until it finishes; return its final JSON."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = http.get(f"/v1/videos/{video_id}").json()
        if body["status"] in ("completed", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"{video_id} did not finish in {timeout} s")


def by_id(client: OpenAI, path: str, **body) -> Video:
    """The SDK's `videos.edit/extend` (3.x) only accept files for `video` (it refuses the
    documented `{"id": ...}` reference client-side), so references by id go through the SDK's
    generic JSON `post`, exactly as raw clients send them."""
    return client.post(path, body=body, cast_to=Video)
