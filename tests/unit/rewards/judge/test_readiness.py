"""`reward-signal reward judge-wait` against the loopback judge: ready, wrong model name, nobody listening."""

from __future__ import annotations

import socket
import time

import pytest

from reward_signal.cli import main
from tests.judge_server import MODEL, judge_server


def test_waits_for_a_ready_judge_and_checks_the_model(capsys: pytest.CaptureFixture[str]) -> None:
    with judge_server() as server:
        assert main(["reward", "judge-wait", "--endpoint", server.endpoint, "--model", MODEL]) == 0
        assert f"serving {MODEL}" in capsys.readouterr().out
        assert main(["reward", "judge-wait", "--endpoint", server.endpoint, "--model", "other"]) == 78
        assert "not 'other'" in capsys.readouterr().err


def test_gives_up_after_its_bound_when_nothing_answers(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a free port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    code = main(
        [
            "reward",
            "judge-wait",
            "--endpoint",
            f"http://127.0.0.1:{port}/v1",
            "--timeout",
            "1",
            "--interval",
            "0.2",
        ]
    )
    assert code == 1 and 0.9 <= time.monotonic() - started < 5
    assert "did not answer GET /models within 1 s" in capsys.readouterr().err
