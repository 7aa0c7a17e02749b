"""The seed fidelity table: every rendered value matches it, it covers every seed override, docs show it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reward_signal.launch.fidelity import (
    TABLE_PATH,
    Table,
    drift,
    load_table,
    markdown,
    rendered,
    with_generated_table,
)
from tests.conftest import REPO_ROOT

_OVERRIDE = re.compile(r"^\s*([A-Za-z_][\w.]*)=", re.M)


@pytest.fixture(scope="module")
def table() -> Table:
    return load_table()


def test_every_experiment_renders_what_the_table_says(table: Table) -> None:
    assert drift(table) == []


def test_every_seed_script_and_experiment_is_in_the_table(table: Table) -> None:
    experiments = {script.experiment for script in table.scripts.values()}
    assert {
        "llama31-8b-rlvr8k",
        "llama32-3b-datascale",
        "qwen25-math-1.5b-datascale",
        "scp-llama32-3b-datascale",
        "scp-qwen25-3b-datascale",
    } <= experiments
    for experiment in experiments:
        assert (REPO_ROOT / "script" / "experiments" / f"{experiment}.yaml").is_file(), experiment


def test_a_drifted_value_or_an_undocumented_override_is_reported(table: Table) -> None:
    rows = [
        row.model_copy(update={"kit": {"MODE1": 4, "MODE2": 64, "MODE3": 64}})
        if row.kit_key == "data.train_batch_size" and row.scripts == ["production"]
        else row
        for row in table.rows
        if row.kit_key != "trainer.resume_mode"
    ]
    problems = drift(table.model_copy(update={"rows": rows}))
    assert (
        "production (llama31-8b-rlvr8k MODE2): data.train_batch_size renders 192, the table says 64"
        in problems
    )
    assert any("trainer.resume_mode=auto is rendered but no row" in p for p in problems)


def test_production_modes_render_the_seed_values() -> None:
    keys = (
        "data.train_batch_size",
        "actor_rollout_ref.actor.ppo_mini_batch_size",
        "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu",
        "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu",
        "actor_rollout_ref.rollout.tensor_model_parallel_size",
        "actor_rollout_ref.actor.optim.lr_warmup_steps_ratio",
    )
    mode2, mode3 = rendered("llama31-8b-rlvr8k", "MODE2"), rendered("llama31-8b-rlvr8k", "MODE3")
    assert [mode2[key] for key in keys] == ["192", "192", "4", "16", "1", "0.0"]
    assert [mode3[key] for key in keys] == ["192", "192", "8", "16", "2", "0.0"]
    assert "data.seed" not in mode2 and "actor_rollout_ref.rollout.seed" not in mode2


def test_the_table_covers_every_override_of_the_seed_scripts(table: Table, seed_repo: Path) -> None:
    """Each `key=` passed to main_ppo by a seed script has a row for that script (its seed_key)."""
    for script_id, script in table.scripts.items():
        text = (seed_repo / script.seed_script).read_text(encoding="utf-8")
        launch = text[text.index("verl.trainer.main_ppo") :]
        passed = set(_OVERRIDE.findall(launch))
        documented = {row.seed_key.split(" ")[0] for row in table.rows_for(script_id)}
        assert passed, script.seed_script
        assert passed - documented == set(), f"{script.seed_script}: overrides without a row"


def test_docs_show_the_generated_table(table: Table) -> None:
    doc = (REPO_ROOT / "docs" / "fidelity.md").read_text(encoding="utf-8")
    assert doc == with_generated_table(doc, table), "run `reward-signal fidelity --write-doc`"
    assert "`efd30c0/script/llama/m_family_main_full_rlvr_8k.sh` → `llama31-8b-rlvr8k`" in markdown(table)


def test_a_row_that_departs_needs_a_reason(tmp_path: Path) -> None:
    from reward_signal.common.errors import ConfigError

    bad = tmp_path / "fidelity.yaml"
    bad.write_text(
        TABLE_PATH.read_text(encoding="utf-8").replace(
            ', status: deviation, reason: "tracking name only"}', ", status: deviation}"
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="trainer.project_name: status 'deviation' needs a reason"):
        load_table(bad)


def test_cli_checks_and_rewrites_the_doc(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from reward_signal.cli import main
    from reward_signal.launch.fidelity import DOC_END, DOC_START

    doc = tmp_path / "fidelity.md"
    doc.write_text(f"# intro\n\n{DOC_START}\nstale\n{DOC_END}\ntail\n", encoding="utf-8")
    assert main(["fidelity", "--write-doc", str(doc)]) == 0
    written = doc.read_text(encoding="utf-8")
    assert "stale" not in written and written.startswith("# intro") and written.endswith("tail\n")
    assert "| `data.train_batch_size` | MODE1: 4; MODE2: 192; MODE3: 192 |" in written
    assert "no drift" in capsys.readouterr().out
