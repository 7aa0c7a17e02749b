from __future__ import annotations

import subprocess
import sys

import pytest

from reward_signal.cli import main

HEAVY = ("hydra", "omegaconf", "verl", "torch", "ray", "transformers", "pydantic", "yaml", "pyarrow")


def test_registering_train_and_sweep_imports_nothing_heavy() -> None:
    code = (
        "import argparse, sys\n"
        "from reward_signal.cli import CommandTree\n"
        "import reward_signal.launch.cli as cli\n"
        "parser = argparse.ArgumentParser()\n"
        "cli.register(CommandTree(parser))\n"
        "parser.parse_args(['train', '--exp', 'debug', '--mode', 'MODE1'])\n"
        f"print(','.join(name for name in {HEAVY!r} if name in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_train_help_shows_modes_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["train", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "MODE1 (debug)" in out and "--set actor_rollout_ref.actor.ppo_mini_batch_size=32" in out
