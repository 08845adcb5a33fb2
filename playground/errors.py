"""Errors a workshop participant can cause, each with a message written for them.

Pages show ``str(error)`` with ``st.error``; the CLI prints it and exits non-zero. Anything
that is not a ``PlaygroundError`` is a bug and is reported as such.

Top level, the very bottom: imports nothing of the playground.
"""

from __future__ import annotations


class PlaygroundError(Exception):
    """Base class: ``str(err)`` is a complete sentence a participant can act on.

    ``key`` and ``params`` (optional) name the same message in the UI's catalogues
    (``playground/i18n``): a page shows ``t(err.key, **err.params)`` in the session's language
    and falls back to ``str(err)``; the CLI always prints ``str(err)`` (English).
    """

    key: str | None = None
    params: dict = {}

    def __init__(self, *args, key: str | None = None, params: dict | None = None):
        super().__init__(*args)
        if key is not None:
            self.key = key
        self.params = dict(params or {})


class SettingsError(PlaygroundError, ValueError):
    """One or more generation settings are out of range or contradict each other."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class UnknownModelError(PlaygroundError, KeyError):
    """The name is neither in the catalog nor a Hugging Face id that exists."""

    def __str__(self) -> str:  # KeyError would wrap the message in quotes
        return str(self.args[0])


class ModelLoadError(PlaygroundError):
    """The model exists (or might) but could not be loaded."""


class HubUnreachableError(ModelLoadError):
    """The Hugging Face Hub cannot be reached and the model is not in the local cache."""


class GatedModelError(ModelLoadError):
    """The repository needs an accepted licence and an access token."""


class ModelNotInstalledError(ModelLoadError):
    """An optional offline model package is not installed."""


class OutOfMemoryError(ModelLoadError):
    """Loading or running the model needed more memory than the device has."""


class ServiceBusyError(PlaygroundError):
    """The generation queue is full; the participant should try again shortly."""


class RequestCancelled(PlaygroundError):
    """The request was stopped by its own session."""


class PromptError(PlaygroundError):
    """The prompt or chat messages cannot be turned into model input."""


class SearchError(PlaygroundError):
    """Web search gave no usable results; the CLI exits 3 (an outside service failed)."""

    exit_code = 3


class SearchUnavailableError(SearchError):
    """The search engine cannot be reached from this machine (no network, DNS, proxy)."""


class SearchLimitedError(SearchError):
    """No results: a real empty answer or the engine limiting this room's shared address."""


class SearchRateLimitedError(SearchLimitedError):
    """The engine said outright that this address sends too many searches."""


class SearchTimeoutError(SearchError):
    """The search engine did not answer within the time the playground allows."""


class DocumentError(PlaygroundError):
    """A pasted or uploaded document cannot be used (wrong type, too large, empty)."""


class InsideError(PlaygroundError, ValueError):
    """A look inside the model cannot be made: empty or too long text, a layer or head out of
    range, too few sentences, a model whose weights are not here. The CLI exits 2 (bad input)."""

    exit_code = 2


def report_unexpected(err: BaseException, where: str = "") -> str:
    """Log an unexpected exception (a bug) with its traceback under a short error id and
    return the sentence to show instead: the id, never the exception's text, which may hold
    server paths. The instructor finds the id in the server log ("error id 3f9c2a1b")."""
    import logging
    import uuid

    error_id = uuid.uuid4().hex[:8]
    logging.getLogger("playground").error("error id %s%s: %s", error_id,
                                          f" in {where}" if where else "",
                                          type(err).__name__, exc_info=err)
    return (f"Something went wrong inside the playground (error id {error_id}). Your inputs "
            f"are kept; try again, or tell the instructor the error id.")


class OverBudgetError(ServiceBusyError):
    """A session used its fair share (tokens per minute, or waiting requests) of the server.

    ``retry_after_s``: seconds until it may try again (0 when it only has to wait for one of its
    own requests to finish)."""

    def __init__(self, message: str, retry_after_s: float = 0.0, *, key: str | None = None,
                 params: dict | None = None):
        super().__init__(message, key=key, params=params)
        self.retry_after_s = float(retry_after_s)


class BoardError(PlaygroundError):
    """A post to the room board was refused (too long, empty, too many posts in a minute)."""
