"""The CLI starts fast: listing commands never imports the heavy ML stack."""

import subprocess
import sys

HEAVY = (
    "torch",
    "vllm",
    "ray",
    "verl",
    "transformers",
    "pandas",
    "matplotlib",
    "scipy",
    "math_verify",
    "hydra",
)


def test_help_leaves_heavy_modules_unloaded() -> None:
    code = (
        "import sys\n"
        "from reward_signal.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        f"loaded = sorted(m for m in {HEAVY!r} if m in sys.modules)\n"
        "print('LOADED=' + ','.join(loaded))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "LOADED="


def test_every_area_registers_its_commands() -> None:
    from reward_signal.cli import build_parser

    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # the top-level COMMAND choices
    assert {"reward", "data", "train", "sweep", "eval", "report", "doctor", "k8s"} <= commands
