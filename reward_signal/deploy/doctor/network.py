"""Credentials and reachability of what a run downloads from or reports to: the model hub, data, W&B.

Reachable means the server answered HTTP at all (any status): a 401 from the hub still proves the
network path; a refused connection, DNS failure or timeout does not. The verdict names what a run
here must do without the network, instead of letting it hang at the first download.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from reward_signal.deploy.doctor.check import FAIL, OK, SKIP, WARN, Check, problem

PROBE_TIMEOUT_S = 5.0
DEFAULT_HF_ENDPOINT = "https://huggingface.co"
DEFAULT_WANDB_URL = "https://api.wandb.ai"
TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Endpoint:
    """A service a run talks to; `offline` is set when the user has declared it is not needed."""

    label: str
    url: str
    without_it: str  # what a run needs instead when it is unreachable
    offline: str | None = None


def check_hf_token(env: Mapping[str, str]) -> Check:
    """A Hugging Face token is needed for gated models (Llama) and avoids anonymous rate limits."""
    if env.get("HF_TOKEN") or env.get("HUGGING_FACE_HUB_TOKEN"):
        return Check("hf token", OK, "HF_TOKEN is set")
    hf_home = Path(env.get("HF_HOME", Path.home() / ".cache" / "huggingface"))
    token_file = Path(env.get("HF_TOKEN_PATH", hf_home / "token"))
    if token_file.is_file():
        return Check("hf token", OK, f"token file {token_file}")
    return Check("hf token", WARN, "no HF_TOKEN: gated models (e.g. Llama) will not download; set it in .env")


def check_wandb(env: Mapping[str, str], netrc: Path) -> Check:
    """W&B logs online only with a key; otherwise say so before a run silently logs nowhere useful."""
    mode = env.get("WANDB_MODE", "online")
    if mode in {"offline", "disabled", "dryrun"}:
        return Check("wandb", OK, f"WANDB_MODE={mode} (metrics also go to runs/<experiment>/metrics/)")
    has_key = bool(env.get("WANDB_API_KEY")) or (
        netrc.is_file() and "api.wandb.ai" in netrc.read_text(errors="ignore")
    )
    if has_key:
        return Check("wandb", OK, f"WANDB_MODE={mode}, API key found")
    return Check("wandb", WARN, f"WANDB_MODE={mode} but no WANDB_API_KEY: set one, or WANDB_MODE=offline")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"


def _data_endpoint(env: Mapping[str, str], data_urls: Sequence[str]) -> Endpoint:
    """Where `data fetch` downloads from: an http(s) mirror, a local mirror (no network), or the manifest's host."""
    mirror = env.get("REWARD_SIGNAL_DATA_MIRROR", "")
    without_it = "the datasets fetched beforehand (`reward-signal data fetch --mirror DIR`)"
    if mirror.startswith(("http://", "https://")):
        return Endpoint("data source", mirror, without_it)
    if mirror:
        return Endpoint(
            "data source", "", without_it, f"REWARD_SIGNAL_DATA_MIRROR={mirror} (a local directory)"
        )
    return Endpoint("data source", _origin(data_urls[0]) if data_urls else "", without_it)


def endpoints(env: Mapping[str, str], data_urls: Sequence[str]) -> list[Endpoint]:
    """The model hub, the data source and W&B as this environment configures them."""
    hub_offline = env.get("HF_HUB_OFFLINE", "").lower() in TRUE
    wandb_mode = env.get("WANDB_MODE", "online")
    return [
        Endpoint(
            "model hub",
            env.get("HF_ENDPOINT", DEFAULT_HF_ENDPOINT),
            "the model already in HF_HOME and HF_HUB_OFFLINE=1",
            "HF_HUB_OFFLINE=1: models are read from HF_HOME only" if hub_offline else None,
        ),
        _data_endpoint(env, data_urls),
        Endpoint(
            "wandb server",
            env.get("WANDB_BASE_URL", DEFAULT_WANDB_URL),
            "WANDB_MODE=offline (metrics still go to runs/<experiment>/metrics/)",
            f"WANDB_MODE={wandb_mode}: nothing is sent"
            if wandb_mode in {"offline", "disabled", "dryrun"}
            else None,
        ),
    ]


def probe(url: str, timeout: float = PROBE_TIMEOUT_S) -> str | None:
    """None when the server answers HTTP (any status), else why it could not be reached."""
    request = urllib.request.Request(url, method="HEAD", headers={"User-Agent": "reward-signal-doctor"})
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return None
    except urllib.error.HTTPError:
        return None  # an HTTP status is an answer: the network path works
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__


def check_reachable(
    targets: Sequence[Endpoint], blocking: bool, probe_url: Callable[[str], str | None] = probe
) -> list[Check]:
    """Probe every endpoint not declared offline (in parallel: each may wait out a timeout)."""
    to_probe = [target for target in targets if target.offline is None and target.url]
    with ThreadPoolExecutor(max_workers=max(1, len(to_probe))) as pool:
        reasons = dict(
            zip((t.label for t in to_probe), pool.map(lambda t: probe_url(t.url), to_probe), strict=True)
        )
    checks = []
    for target in targets:
        name = f"reach {target.label}"
        if target.offline is not None:
            checks.append(Check(name, SKIP, target.offline))
        elif not target.url:
            checks.append(Check(name, SKIP, "no URL configured"))
        elif reasons[target.label] is None:
            checks.append(Check(name, OK, f"{target.url} answers"))
        else:
            checks.append(
                problem(
                    name,
                    blocking,
                    f"{target.url} unreachable ({reasons[target.label]}); a run here needs {target.without_it}",
                )
            )
    return checks


def network_verdict(reach: Sequence[Check]) -> Check:
    """One line: online, offline, or partly offline, and what that means for a run."""
    down = [check.name.removeprefix("reach ") for check in reach if check.status in {WARN, FAIL}]
    up = [check.name.removeprefix("reach ") for check in reach if check.status == OK]
    declared = [check.name.removeprefix("reach ") for check in reach if check.status == SKIP]
    note = f"; declared offline: {', '.join(declared)}" if declared else ""
    if not down:
        return Check("network", OK, f"online: {', '.join(up) or 'nothing to reach'}{note}")
    status = FAIL if any(check.status == FAIL for check in reach) else WARN
    kind = "offline" if not up else "partly offline"
    return Check(
        "network", status, f"{kind}: {', '.join(down)} unreachable (see above for what a run needs){note}"
    )
