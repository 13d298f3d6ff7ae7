"""Memory of a large upload: the peak RSS a 250 MiB file adds to the server process.

One run: a fresh SQLite database and local file store in a temporary directory, one demo
contact; the app served by uvicorn in a subprocess on a free 127.0.0.1 port (as `make bench`
serves it); one small upload to warm it up; then, for each case, the server's peak-RSS
counter is reset (``/proc/<pid>/clear_refs``, 5) and one GraphQL multipart request streams a
generated file over real HTTP (chunked, 1 MiB at a time, never built in memory on either
side): a file of exactly the limit (stored), and one byte more (refused while the request
is read). The figure is ``VmHWM`` (peak RSS since the reset) minus ``VmRSS`` before the
request. Writes ``bench/results/<UTC time>-upload-memory.json`` and
``latest-upload-memory.json``; nothing of it needs Redis or PostgreSQL.

    .venv/bin/python bench/upload_memory.py [--mib 250] [--no-write]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from run import RESULTS, ROOT, git_info, machine_info, server_env, server_settings, uvicorn_server

from adapters.files import LocalFileStore
from persistence.db import create_engine
from persistence.migrate import upgrade_async
from server.auth import issue_token
from server.seed import ADMIN, demo_contact_ids, seed
from server.seed_tabs import demo_pdf

MIB = 1024 * 1024
BOUNDARY = "upload-memory-bench"
QUERY = (
    "mutation($input: ContactDocumentsUploadInput!) { contactDocumentsUpload(input: $input) "
    "{ documents { id size sha256 } userErrors { field code message } } }"
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM back to the current RSS


def proc_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


async def body(contact_id: str, size: int) -> AsyncIterator[bytes]:
    """A GraphQL multipart request with one ``size``-byte PDF-headed file, generated."""
    variables = {"input": {"contactId": contact_id, "files": [None]}}
    operations = {"query": QUERY, "variables": variables}
    for name, value in (("operations", operations), ("map", {"0": ["variables.input.files.0"]})):
        yield (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{json.dumps(value)}\r\n"
        ).encode()
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="0"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    head = demo_pdf("upload memory")
    yield head
    block = os.urandom(MIB)
    left = size - len(head)
    while left > 0:
        yield block[: min(left, MIB)]
        left -= MIB
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


async def measure(port: int, pid: int, token: str, contact_id: str, size: int) -> dict[str, Any]:
    reset_peak(pid)
    before = proc_kib(pid, "VmRSS")
    t0 = time.perf_counter()
    async with httpx.AsyncClient(timeout=600) as client:
        response = await client.post(
            f"http://127.0.0.1:{port}/graphql",
            content=body(contact_id, size),
            headers={
                "content-type": f"multipart/form-data; boundary={BOUNDARY}",
                "authorization": f"Bearer {token}",
            },
        )
    seconds = time.perf_counter() - t0
    peak = proc_kib(pid, "VmHWM")
    response.raise_for_status()
    payload = response.json()["data"]["contactDocumentsUpload"]
    return {
        "file_bytes": size,
        "stored": bool(payload["documents"]),
        "user_errors": [e["code"] for e in payload["userErrors"]],
        "rss_before_mib": round(before / 1024, 1),
        "rss_peak_mib": round(peak / 1024, 1),
        "peak_rss_delta_mib": round((peak - before) / 1024, 1),
        "seconds": round(seconds, 2),
        "mib_per_second": round(size / MIB / seconds, 1),
    }


async def bench(mib: int) -> dict[str, Any]:
    limit = mib * MIB
    with tempfile.TemporaryDirectory(prefix="contact-graph-upload-") as tmp:
        folder = Path(tmp)
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        await upgrade_async(url)
        engine = create_engine(url)
        store = LocalFileStore(folder / "files", "http://127.0.0.1", b"u" * 32, timedelta(1))
        await store.start()
        try:
            await seed(engine, store, contacts=1)
            contact_id = (await demo_contact_ids(engine))[0]
        finally:
            await engine.dispose()
        settings = server_settings(url, folder, max_upload_bytes=limit)
        env = {**server_env(settings), "CONTACT_GRAPH_MAX_UPLOAD_BYTES": str(limit)}
        token = issue_token(ADMIN, settings)
        target = ["--app-dir", str(ROOT), "--factory", "server.app:create_app"]
        async with uvicorn_server("app", target, env, folder, "/health") as app:
            warm = await measure(app.port, app.pid, token, contact_id, MIB)
            log(f"warm-up (1 MiB): {warm}")
            cases = {}
            for name, size in (("at the limit", limit), ("one byte over", limit + 1)):
                cases[name] = await measure(app.port, app.pid, token, contact_id, size)
                log(f"{name}: {cases[name]}")
        stored = sorted(p.stat().st_size for p in (folder / "files").rglob("*") if p.is_file())
    return {
        "started_at": datetime.now(UTC).isoformat(),
        "machine": machine_info(),
        "git": git_info(),
        "limit_bytes": limit,
        "cases": cases,
        "stored_file_sizes": stored,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=250, help="the upload limit, in MiB")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    result = asyncio.run(bench(args.mib))
    at_limit = result["cases"]["at the limit"]
    if not at_limit["stored"] or result["cases"]["one byte over"]["user_errors"] != [
        "FILE_TOO_LARGE"
    ]:
        log(f"unexpected outcome: {result['cases']}")
        return 1
    if not args.no_write:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        text = json.dumps(result, indent=2) + "\n"
        for name in (f"{stamp}-upload-memory.json", "latest-upload-memory.json"):
            (RESULTS / name).write_text(text)
        log(f"wrote bench/results/{stamp}-upload-memory.json and latest-upload-memory.json")
    for name, case in result["cases"].items():
        print(
            f"{name} ({case['file_bytes']:,} bytes): peak RSS +{case['peak_rss_delta_mib']} MiB "
            f"(from {case['rss_before_mib']} MiB), {case['seconds']} s, "
            f"{case['mib_per_second']} MiB/s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
