"""A loopback OpenAI-compatible judge for tests and the benchmark: real HTTP, canned replies.

Run as a process (so a test can kill it mid-batch):
    python tests/judge_server.py --config '{"latency": 0.2, "rules": [["boxed{42}", "Yes"]], "default": "No"}'
It prints `PORT <n>` once listening on 127.0.0.1. Behaviour (all optional in the JSON config):
  rules        [[substring, reply], ...]: the first rule whose substring is in the prompt gives the reply
  default      reply when no rule matches ("No")
  latency      seconds each chat completion takes (0)
  fail_first   the first N chat requests fail with HTTP `fail_status` (0; 429 or 500 bursts)
  fail_status  status of those failures (500)
  status       answer every chat request with this status instead (e.g. 400)
  malformed    answer 200 with a body that is not a chat completion (false)
GET /v1/models lists the served model; GET /stats returns requests, max_in_flight and the payloads seen.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

MODEL = "loopback-judge"


def make_app(config: dict[str, Any]):  # noqa: ANN201 - aiohttp imported lazily
    from aiohttp import web

    state = {"requests": 0, "in_flight": 0, "max_in_flight": 0, "payloads": []}

    async def chat(request: web.Request) -> web.Response:
        payload = await request.json()
        state["requests"] += 1
        state["payloads"].append(payload)
        number = state["requests"]
        state["in_flight"] += 1
        state["max_in_flight"] = max(state["max_in_flight"], state["in_flight"])
        try:
            await asyncio.sleep(float(config.get("latency", 0)))
        finally:
            state["in_flight"] -= 1
        if config.get("status"):
            return web.json_response({"error": "refused"}, status=int(config["status"]))
        if number <= int(config.get("fail_first", 0)):
            return web.json_response({"error": "busy"}, status=int(config.get("fail_status", 500)))
        if config.get("malformed"):
            return web.json_response({"object": "error"})
        prompt = payload["messages"][-1]["content"]
        reply = next(
            (text for key, text in config.get("rules", []) if key in prompt), config.get("default", "No")
        )
        return web.json_response(
            {
                "object": "chat.completion",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}}],
            }
        )

    async def models(_request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": MODEL, "object": "model"}]})

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(state)

    app = web.Application()
    app.add_routes(
        [web.post("/v1/chat/completions", chat), web.get("/v1/models", models), web.get("/stats", stats)]
    )
    return app


async def _serve(config: dict[str, Any]) -> None:
    from aiohttp import web

    runner = web.AppRunner(make_app(config), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001 - the bound ephemeral port
    print(f"PORT {port}", flush=True)
    await asyncio.Event().wait()


class JudgeServer:
    """A running loopback judge process: its base URL, stats and a kill switch."""

    def __init__(self, process: subprocess.Popen[str], port: int) -> None:
        self.process = process
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}/v1"

    def stats(self) -> dict[str, Any]:
        from urllib.request import urlopen

        with urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=10) as response:
            return json.loads(response.read())

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def judge_server(**config: Any) -> Iterator[JudgeServer]:
    """Start the loopback judge with `config` (see the module docstring), kill it on exit."""
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--config", json.dumps(config)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("PORT "):
            raise RuntimeError(f"loopback judge did not start (exit {process.poll()}): {line!r}")
        yield JudgeServer(process, int(line.split()[1]))
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", default="{}", help="JSON behaviour (see above)")
    asyncio.run(_serve(json.loads(parser.parse_args().config)))


if __name__ == "__main__":
    main()
