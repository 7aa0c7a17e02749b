"""reward_signal: a reproducibility kit for studying which RL reward signals teach LLMs math reasoning."""

__version__ = "0.1.0"
