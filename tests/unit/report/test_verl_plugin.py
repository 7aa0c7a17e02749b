"""The VERL plugin against the pinned VERL: the private method it wraps, and the means it adds.

The end-to-end run (Ray, TransferQueue, VERL's file logger, the report) is
tests/integration/test_verl_plugin.py.
"""

from __future__ import annotations

import inspect
import types

import pytest
from tensordict.tensorclass import NonTensorData

from reward_signal import verl_plugin
from reward_signal.verl_plugin import reward_extra_means


@pytest.fixture(scope="module")
def trainer_base() -> types.ModuleType:
    from verl.trainer.ppo.v1 import trainer_base

    return trainer_base


def test_pinned_verl_and_the_signature_of_the_method_the_plugin_wraps(trainer_base: types.ModuleType) -> None:
    """Fails when VERL moves: re-read `_compute_metrics` in the new version before re-pinning."""
    import verl

    assert verl.__version__ == verl_plugin.PINNED_VERL
    method = trainer_base.PPOTrainer._compute_metrics
    original = getattr(method, "__wrapped__", method)
    assert list(inspect.signature(original).parameters) == [
        "self",
        "batch",
        "metrics",
        "timing_raw",
        "global_steps",
        "epoch",
    ]
    source = inspect.getsource(original)
    # What the plugin relies on: padding marked in the batch tags, TransferQueue's kv_batch_get,
    # and `extra_fields` being a field the trainer itself reads from the same keys.
    assert 'tag.get("is_padding", False) for tag in batch.tags' in source
    assert "tq.kv_batch_get(" in source and '"extra_fields"' in source
    assert hasattr(trainer_base.tq, "kv_batch_get")


def test_the_trainer_is_patched_once(trainer_base: types.ModuleType) -> None:
    verl_plugin.install()
    assert verl_plugin.patch(trainer_base) is True
    method = trainer_base.PPOTrainer._compute_metrics
    assert getattr(method, verl_plugin.MARKER) is True
    assert not hasattr(method.__wrapped__, verl_plugin.MARKER)  # wrapped exactly once


def test_another_verl_version_is_left_alone(trainer_base: types.ModuleType, monkeypatch, caplog) -> None:
    import verl

    monkeypatch.setattr(verl, "__version__", "0.10.0")
    fake = types.SimpleNamespace(PPOTrainer=type("T", (), {"_compute_metrics": lambda self: None}))
    assert verl_plugin.patch(fake) is False
    assert "pinned to verl 0.9.1, found 0.10.0" in caplog.text


def test_means_over_kept_rows_as_transferqueue_returns_them() -> None:
    rows = [
        NonTensorData(
            {"reward_extra_info": {"score": 1.0, "acc": 1.0, "format_ok": True, "reward_type": "x"}}
        ),
        {"reward_extra_info": {"score": 0.0, "acc": 0.0, "format_ok": False}},
        {"reward_extra_info": {"acc": 1.0}},  # a padding row: excluded
        {"reward_extra_info": {"acc": float("nan"), "format_ok": 1.0}},  # NaN is skipped per key
        {"no_reward": 1},
    ]
    means = reward_extra_means(rows, [True, True, False, True, True])
    assert means == {"train/acc/mean": 0.5, "train/format_ok/mean": pytest.approx(2 / 3)}


def test_the_recorded_plugin_run_gives_the_report_true_accuracy_without_regrading() -> None:
    """tests/assets/report/plugin-run was written by VERL's trainer code with the plugin loaded
    (tests/integration/test_verl_plugin.py records it): the report reads it as any run."""
    from reward_signal.report.diagnostics import diagnose
    from reward_signal.report.runs import load_run
    from reward_signal.report.thresholds import Thresholds
    from tests.unit.report.rundirs import REPORT_ASSETS

    run = load_run(REPORT_ASSETS / "plugin-run")
    assert run.train["train_acc"].source == "train/acc/mean"
    assert run.train["train_acc"].values.tolist() == pytest.approx([0.25, 0.75])
    assert run.train["format_rate"].values.tolist() == pytest.approx([0.75, 0.75])
    assert run.train["timeout_rate"].values.tolist() == pytest.approx([0.25, 0.0])
    assert run.train["reward"].values.tolist() == pytest.approx([0.75, 0.75])
    diag = diagnose(run, Thresholds(window=2))
    assert diag.acc_rise_from == "training batches" and diag.final_train_acc == pytest.approx(0.5)
