"""Stands in for `verl.trainer.main_ppo` under the launcher's environment, on CPU.

Runs what VERL's v1 trainer does around `_compute_metrics` for two training steps, with VERL's and
TransferQueue's own code: a local Ray, a real TransferQueue (SimpleStorage), trajectories put exactly as
`verl/trainer/ppo/v1/agent_loop_tq.py` puts them (`list_of_dict_to_tensordict`, reward extras under
`extra_fields.reward_extra_info`, padding rows tagged `is_padding`), the trainer's `_compute_metrics`
(patched by the plugin that `import verl` loaded through VERL_USE_EXTERNAL_MODULES), and VERL's
`Tracking` file logger writing to VERL_FILE_LOGGER_PATH. No model, no GPU: the actor is not run.

    python -m tests.integration.verl_plugin_recorder
"""

from __future__ import annotations

import sys
from types import SimpleNamespace

# Per step: (acc, format_ok, timed_out) of the real rows; one padding row each step must be ignored.
STEPS = {
    1: [(1.0, 1.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (0.0, 1.0, 0.0)],
    2: [(1.0, 1.0, 0.0), (1.0, 1.0, 0.0), (0.0, 1.0, 0.0), (1.0, 0.0, 0.0)],
}


def _trajectory(acc: float, format_ok: float, timed_out: float, length: int, step: int) -> dict:
    import torch

    responses = torch.arange(3, 3 + length)
    scores = torch.zeros(length)
    scores[-1] = format_ok  # the reward paid: a format reward, so paid != true accuracy
    return {
        "prompts": torch.tensor([1, 2]),
        "responses": responses,
        "response_mask": torch.ones(length, dtype=torch.int64),
        "rm_scores": scores,
        "token_level_rewards": scores,
        "advantages": scores - scores.mean(),
        "returns": scores,
        "num_turns": 2,
        "extra_fields": {
            "reward_extra_info": {
                "score": format_ok,
                "acc": acc,
                "format_ok": format_ok,
                "timed_out": timed_out,
                "reward_type": "format",
            },
            "min_global_steps": step - 1,
            "max_global_steps": step - 1,
        },
    }


def main() -> int:
    import verl  # loads reward_signal.verl_plugin from VERL_USE_EXTERNAL_MODULES (set by the launcher)

    assert "reward_signal.verl_plugin" in sys.modules, "VERL_USE_EXTERNAL_MODULES did not load the plugin"
    import ray
    import transfer_queue as tq
    from omegaconf import OmegaConf
    from transfer_queue.metadata import KVBatchMeta
    from verl.trainer.ppo.v1 import trainer_base
    from verl.utils.tensordict_utils import list_of_dict_to_tensordict
    from verl.utils.tracking import Tracking

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        tq.init(OmegaConf.create({"backend": {"SimpleStorage": {"num_data_storage_units": 1}}}))
        trainer = SimpleNamespace(  # the attributes `_compute_metrics` reads from the trainer
            config=OmegaConf.create({"actor_rollout_ref": {"rollout": {}, "model": {}}}),
            _rollout_moe_lb_metrics_accumulator=None,
            use_critic=False,
            _get_n_gpus_for_throughput=lambda: 1,
        )
        tracking = Tracking("reward-signal", "plugin-recorder", default_backend=["file"])
        for step, rows in STEPS.items():
            padded = [*rows, (1.0, 1.0, 0.0)]  # the padding row is all-correct: it must not count
            fields = [_trajectory(*values, length=2 + i % 3, step=step) for i, values in enumerate(padded)]
            keys = [f"uid{step}x{i}_0_0" for i in range(len(padded))]
            tags = [
                {"status": "success", "min_global_steps": step - 1, "max_global_steps": step - 1}
                | ({"is_padding": True} if i == len(rows) else {})
                for i in range(len(padded))
            ]
            tq.kv_batch_put(
                keys=keys, fields=list_of_dict_to_tensordict(fields), tags=tags, partition_id="train"
            )
            batch = KVBatchMeta(keys=keys, tags=tags, partition_id="train")
            metrics: dict = {}
            trainer_base.PPOTrainer._compute_metrics(
                trainer, batch, metrics, {"step": 1.0, "gen": 0.5}, step, 0
            )
            tracking.log(metrics, step=step)
        tracking.finish()
        print(f"verl {verl.__version__}: logged {len(STEPS)} steps")
    finally:
        ray.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
