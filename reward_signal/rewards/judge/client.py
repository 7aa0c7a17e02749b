"""The judge client training uses: asynchronous, bounded, with the seed's retry back-off.

One `JudgeClient` per event loop and settings holds an aiohttp session whose in-flight requests are
capped at `max_workers` (GENRM_MAX_WORKERS, per process) by a semaphore. A request is retried on
connection errors, timeouts, 429 and 5xx after `base_delay * 2**attempt` seconds, at most `attempts`
times in all (GENRM_MAX_RETRIES, the seed's count of tries); any other 4xx is a configuration error and
is not retried. When the judge stays down the call raises `JudgeUnavailable` naming the endpoint.

Identical prompts are sent once: concurrent duplicates wait for the first request, and finished replies
are remembered (bounded, most recent first), so the n identical responses of a GRPO group, or a
response seen again in the same step, are judged once. aiohttp is imported only when a client starts.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from reward_signal.common.errors import ConfigError, KitError

ENDPOINT_ENV = "GENRM_ENDPOINT"
MODEL_ENV = "GENRM_MODEL_PATH"
API_KEY_ENV = "GENRM_API_KEY"
RETRIES_ENV = "GENRM_MAX_RETRIES"
DELAY_ENV = "GENRM_BASE_DELAY"
WORKERS_ENV = "GENRM_MAX_WORKERS"
TIMEOUT_ENV = "GENRM_TIMEOUT"
# Sampling of the seed's judge calls; max_tokens comes from the judge kind.
TEMPERATURE = 0.0
TOP_P = 0.95
REMEMBERED_REPLIES = 8192
T = TypeVar("T")


class JudgeUnavailable(KitError):
    """The judge did not answer after every retry, or refused the request (4xx)."""


@dataclass(frozen=True)
class JudgeSettings:
    """Where the judge is and how hard to try. `endpoint` is the OpenAI base URL (ending in /v1)."""

    endpoint: str
    model: str
    api_key: str = "EMPTY"
    attempts: int = 3
    base_delay: float = 1.0
    max_workers: int = 64
    timeout: float = 600.0

    @property
    def url(self) -> str:
        return self.endpoint.rstrip("/") + "/chat/completions"

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, router_address: str | None = None
    ) -> JudgeSettings:
        """Settings from the seed's GENRM_* variables; VERL's in-job reward router, when given, is the endpoint.

        GENRM_MODEL_PATH is required (it names the served model); GENRM_ENDPOINT is required unless VERL
        passes `reward_router_address` (reward.reward_model.enable=true).
        """
        env = os.environ if environ is None else environ
        endpoint = f"http://{router_address}/v1" if router_address else env.get(ENDPOINT_ENV, "")
        if not endpoint:
            raise ConfigError(
                f"judge reward types need the judge's OpenAI base URL: set {ENDPOINT_ENV} "
                "(e.g. http://genrm:8000/v1) or serve the judge in the job (reward.reward_model.enable=true)"
            )
        model = env.get(MODEL_ENV, "")
        if not model:
            raise ConfigError(f"judge reward types need {MODEL_ENV}: the model name the judge server serves")
        return cls(
            endpoint=endpoint,
            model=model,
            api_key=env.get(API_KEY_ENV, "EMPTY") or "EMPTY",
            attempts=_number(env, RETRIES_ENV, 3, int, minimum=1),
            base_delay=_number(env, DELAY_ENV, 1.0, float, minimum=0),
            max_workers=_number(env, WORKERS_ENV, 64, int, minimum=1),
            timeout=_number(env, TIMEOUT_ENV, 600.0, float, minimum=0.001),
        )


def _number(env: Mapping[str, str], key: str, default: T, cast: type, minimum: float) -> T:
    raw = env.get(key, "")
    if raw == "":
        return default
    try:
        value = cast(raw)
    except ValueError:
        value = None
    if value is None or value < minimum:
        raise ConfigError(f"{key}={raw!r}: expected a {cast.__name__} >= {minimum}")
    return value


@dataclass(frozen=True)
class Reply:
    """The judge's text, the seconds the request took (0 when answered from memory) and the tries it took."""

    text: str
    latency: float
    attempts: int
    cached: bool = False


class _Retryable(Exception):
    """A failure worth another try (connection, timeout, 429, 5xx)."""


class JudgeClient:
    """Bounded asynchronous chat-completions client; create and use it inside one event loop."""

    def __init__(self, settings: JudgeSettings) -> None:
        self.settings = settings
        self._session: Any = None
        self._slots = asyncio.Semaphore(settings.max_workers)
        self._inflight: dict[tuple[str, int], asyncio.Future[Reply]] = {}
        self._replies: OrderedDict[tuple[str, int], Reply] = OrderedDict()
        self.requests = 0  # HTTP requests sent, retries included

    async def __aenter__(self) -> JudgeClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open(self) -> Any:
        if self._session is None:
            import aiohttp

            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.settings.max_workers),
                timeout=aiohttp.ClientTimeout(total=self.settings.timeout),
                headers={"Authorization": f"Bearer {self.settings.api_key}"},
            )
        return self._session

    async def ask(self, prompt: str, max_tokens: int) -> Reply:
        """The judge's reply to `prompt` (a single user message); identical prompts are asked once."""
        key = (prompt, max_tokens)
        remembered = self._replies.get(key)
        if remembered is not None:
            self._replies.move_to_end(key)
            return Reply(remembered.text, 0.0, 0, cached=True)
        pending = self._inflight.get(key)
        if pending is not None:
            first = await asyncio.shield(pending)
            return Reply(first.text, 0.0, 0, cached=True)
        future: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            reply = await self._request(prompt, max_tokens)
        except asyncio.CancelledError:
            future.cancel()  # duplicates waiting on it are cancelled with it
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: duplicates re-raise it, nobody else needs to
            raise
        finally:
            self._inflight.pop(key, None)
        future.set_result(reply)
        self._replies[key] = reply
        while len(self._replies) > REMEMBERED_REPLIES:
            self._replies.popitem(last=False)
        return reply

    async def _request(self, prompt: str, max_tokens: int) -> Reply:
        payload = {
            "model": self.settings.model,
            "messages": [{"role": "user", "content": prompt}],
            "temperature": TEMPERATURE,
            "top_p": TOP_P,
            "max_tokens": max_tokens,
        }
        last = ""
        for attempt in range(self.settings.attempts):
            if attempt:
                await asyncio.sleep(self.settings.base_delay * 2 ** (attempt - 1))
            started = time.perf_counter()
            try:
                async with self._slots:
                    text = await self._post(payload)
            except _Retryable as exc:
                last = str(exc)
                continue
            return Reply(text, time.perf_counter() - started, attempt + 1)
        raise JudgeUnavailable(
            f"judge at {self.settings.url} did not answer after {self.settings.attempts} attempt(s): {last}. "
            f"Check that the server is up (GET {self.settings.endpoint.rstrip('/')}/models) or raise "
            f"{RETRIES_ENV}/{DELAY_ENV}"
        )

    async def _post(self, payload: dict[str, Any]) -> str:
        import aiohttp

        self.requests += 1
        try:
            async with self._open().post(self.settings.url, json=payload) as response:
                body = await response.text()
                if response.status == 429 or response.status >= 500:
                    raise _Retryable(f"HTTP {response.status}: {body[:200]}")
                if response.status >= 400:
                    raise JudgeUnavailable(
                        f"judge at {self.settings.url} refused the request with HTTP {response.status} "
                        f"(not retried: fix the model name {self.settings.model!r}, the API key or the "
                        f"payload): {body[:300]}"
                    )
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
        return _reply_text(body, self.settings.url)


def _reply_text(body: str, url: str) -> str:
    """The first choice's message content ('' when the server sent none, e.g. cut by max_tokens)."""
    import json

    try:
        content = json.loads(body)["choices"][0]["message"].get("content")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
        raise JudgeUnavailable(
            f"judge at {url} answered HTTP 200 without a chat completion ({type(exc).__name__}): {body[:300]}"
        ) from exc
    return content if isinstance(content, str) else ""


# Clients by (event loop, settings): one bounded client per loop, closed when the process exits.
_CLIENTS: dict[tuple[asyncio.AbstractEventLoop, JudgeSettings], JudgeClient] = {}


def loop_client(settings: JudgeSettings) -> JudgeClient:
    """The client of the running event loop (VERL's reward actor awaits async reward functions in its loop)."""
    key = (asyncio.get_running_loop(), settings)
    client = _CLIENTS.get(key)
    if client is None:
        client = _CLIENTS[key] = JudgeClient(settings)
    return client


class _LoopThread:
    """One background event loop per process, so synchronous callers (threads of VERL's executor) share
    one client and one in-flight bound."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run `work` on the shared loop and wait for its result."""
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="judge-loop", daemon=True).start()
            loop = self._loop
        return asyncio.run_coroutine_threadsafe(work, loop).result()


_SHARED = _LoopThread()


def run_shared(work: Coroutine[Any, Any, T]) -> T:
    """Synchronous entry: run a coroutine that uses `loop_client` on the process's shared judge loop."""
    return _SHARED.run(work)


@atexit.register
def _close_clients() -> None:
    """Close every client's session in its own loop, so exiting leaves no 'Unclosed client session'."""
    for (loop, _), client in list(_CLIENTS.items()):
        if loop.is_closed():
            continue
        if loop.is_running():  # the background loop thread
            asyncio.run_coroutine_threadsafe(client.close(), loop).result(timeout=5)
        else:
            loop.run_until_complete(client.close())
    _CLIENTS.clear()
