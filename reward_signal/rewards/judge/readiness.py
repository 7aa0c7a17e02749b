"""Wait until a judge server answers `GET /v1/models` (training must not start against a loading judge).

A training pod runs this before `rs-train` (`reward-signal reward judge-wait`): vLLM takes minutes to
load a judge, and the seed's behaviour on a judge that does not answer is a failed step.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from reward_signal.common.errors import ConfigError, KitError


def served_models(endpoint: str, timeout: float = 10.0) -> list[str] | None:
    """The model ids the server lists, or None while it does not answer (connection refused, 5xx, loading)."""
    url = endpoint.rstrip("/") + "/models"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - the user's judge URL
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code == 429:
            return None
        raise ConfigError(
            f"judge at {url} answered HTTP {exc.code}: check the endpoint (it must end in /v1)"
        ) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError):
        return None
    return [str(item.get("id")) for item in body.get("data", []) if isinstance(item, dict)]


def wait_until_ready(endpoint: str, model: str | None, timeout: float, interval: float = 5.0) -> list[str]:
    """Poll until the judge lists models (and `model` among them); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        models = served_models(endpoint)
        if models is not None:
            if model is None or model in models:
                return models
            raise ConfigError(
                f"judge at {endpoint} serves {models}, not {model!r}: set GENRM_MODEL_PATH to a served name "
                "(vllm serve --served-model-name)"
            )
        if time.monotonic() >= deadline:
            raise KitError(f"judge at {endpoint} did not answer GET /models within {timeout:.0f} s")
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
