"""Reading a healthchecks instance's checks and channels through its Management API (v3),
for the import: the one place the importer touches the network."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from beatwatch.core.errors import SetupError
from beatwatch.core.terminal_text import terminal_text

TIMEOUT = aiohttp.ClientTimeout(total=30)
# How much of an answer that is not JSON the error quotes: enough to recognise a login page.
QUOTED = 60


async def fetch_documents(site_root: str, api_key: str) -> list[Any]:
    """GET /api/v3/checks/ and /api/v3/channels/ of the healthchecks at `site_root` (its
    address, e.g. https://healthchecks.example.com), as the JSON documents they return."""
    root = site_root.rstrip("/").removesuffix("/api/v3")
    documents = []
    async with aiohttp.ClientSession(timeout=TIMEOUT, headers={"X-Api-Key": api_key}) as http:
        for path in ("/api/v3/checks/", "/api/v3/channels/"):
            documents.append(await _get(http, root, root + path))
    return documents


async def _get(http: aiohttp.ClientSession, root: str, url: str) -> Any:
    try:
        async with http.get(url) as reply:
            status, content_type = reply.status, reply.content_type
            text = await reply.text(errors="replace")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise SetupError(f"cannot read {url}: {exc or type(exc).__name__}") from None
    if status == 401:
        raise SetupError(
            f"healthchecks at {root} refused the API key (401): use the project's read-write key"
        )
    if status != 200:
        raise SetupError(f"healthchecks answered {status} to GET {url}")
    try:
        return json.loads(text)
    except ValueError:
        quoted = terminal_text(text[:QUOTED])
        raise SetupError(
            f"{url} answered {content_type}, not JSON: {quoted!r}; is {root} healthchecks?"
        ) from None
