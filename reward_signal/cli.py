"""The `reward-signal` command: it only registers subcommands.

Each area owns a light `cli` module (stdlib imports only at top) with a
`register(tree)` function; command bodies import their heavy modules lazily,
so `reward-signal --help` stays fast and never loads torch, vllm, ray or verl.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from reward_signal import __version__
from reward_signal.common.errors import KitError

# Order here is the order in `--help`.
COMMAND_MODULES: tuple[str, ...] = (
    "reward_signal.rewards.cli",  # reward score
    "reward_signal.data.cli",  # data fetch | validate | subsets | contamination | template
    "reward_signal.data.controls_cli",  # data synth | corrupt-labels
    "reward_signal.launch.cli",  # train, sweep
    "reward_signal.eval.cli",  # eval
    "reward_signal.report.cli",  # report
    "reward_signal.deploy.cli",  # doctor, k8s render
)


class KitParser(argparse.ArgumentParser):
    """Keeps the line breaks of every command's examples epilog; subcommands inherit the class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)


class CommandTree:
    """Top-level subparsers plus named command groups (`data`, `reward`, `k8s`) shared across modules."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.root = parser.add_subparsers(dest="command", metavar="COMMAND")
        self._groups: dict[str, argparse._SubParsersAction] = {}

    def command(self, name: str, help: str, **kwargs: object) -> argparse.ArgumentParser:
        """Add a top-level command such as `train`."""
        return self.root.add_parser(name, help=help, description=help, **kwargs)

    def group(self, name: str, help: str) -> argparse._SubParsersAction:
        """Subparsers of a command group, created on first use so several modules can add to it."""
        if name not in self._groups:
            parser = self.root.add_parser(name, help=help, description=help)
            parser.set_defaults(func=lambda _args, p=parser: (p.print_help(), 2)[1])
            self._groups[name] = parser.add_subparsers(dest=f"{name}_command", metavar="COMMAND")
        return self._groups[name]


def build_parser() -> argparse.ArgumentParser:
    parser = KitParser(
        prog="reward-signal",
        description="Train, evaluate and compare LLMs under correct and deliberately degraded RL reward signals.",
    )
    parser.add_argument("--version", action="version", version=f"reward-signal {__version__}")
    tree = CommandTree(parser)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(tree)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
