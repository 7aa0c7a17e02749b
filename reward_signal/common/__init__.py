"""Shared helpers with no heavy imports: errors, atomic files, JSONL reading, pinned versions."""
