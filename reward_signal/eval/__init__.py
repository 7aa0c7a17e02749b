"""Held-out evaluation: sample a model or VERL checkpoint, grade with the training reward's grader,
and report mean@n, unbiased pass@k and maj@k with Wilson confidence intervals."""
