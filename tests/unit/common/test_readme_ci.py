"""README's test command is what CI runs, so the documented command can never rot."""

import re

from tests.conftest import REPO_ROOT


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    match = re.search(r"Run the tests[^\n]*\n\n```bash\n(.+?)\n```", readme)
    assert match, "README must have a 'Run the tests' block with one bash command"
    command = match.group(1).strip()
    ci_lines = [line.strip() for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()]
    assert command in ci_lines
