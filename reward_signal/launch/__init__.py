"""Experiment files -> validated verl 0.9.1 launches (`reward-signal train`, `reward-signal sweep`)."""
