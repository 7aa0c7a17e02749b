"""Errors a user can act on: the CLI prints the message (no traceback) and exits with the code."""

from __future__ import annotations

# Exit codes are part of the interface: the Kubernetes Job's podFailurePolicy fails fast on
# EXIT_CONFIG_ERROR (no retry can fix a bad config), while other failures are retried.
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_CONFIG_ERROR = 78  # sysexits.h EX_CONFIG


class KitError(Exception):
    """A failure the user can fix; the message says what, where and what to do."""

    exit_code: int = EXIT_FAILURE

    def __init__(self, message: str, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(KitError):
    """Invalid experiment or override: retrying cannot help."""

    exit_code = EXIT_CONFIG_ERROR


class DataError(KitError):
    """A data file is missing, corrupt, or does not match its manifest entry."""
