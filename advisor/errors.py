"""Domain errors of the advisor; the CLI and the bot turn them into messages."""

from knowledge.errors import KnowledgeError


class AdvisorError(Exception):
    """Base class for every error the advisor reports to a user."""


class ConfigError(AdvisorError):
    """A setting in the environment is invalid."""


class ImportRowsError(AdvisorError):
    """An import found bad rows; nothing was stored.

    `problems` holds one `FILE:LINE: reason` string per bad row (up to a limit),
    `total` counts all bad rows found.
    """

    def __init__(self, problems: list[str], total: int | None = None) -> None:
        self.problems = problems
        self.total = total if total is not None else len(problems)
        more = self.total - len(problems)
        lines = list(problems) + ([f"... and {more} more bad rows"] if more > 0 else [])
        super().__init__("import rejected, nothing stored:\n" + "\n".join(lines))


class AccountNotFoundError(AdvisorError):
    """No account with that id or name is visible to the asker.

    `account_id` is what was asked for, as given: the chat names it back in the
    same words whether the account is missing or another rep's.
    """

    def __init__(self, account_id: str, detail: str = "") -> None:
        self.account_id = account_id
        super().__init__(f"no account '{account_id}'{detail}")


USER_ERRORS: tuple[type[Exception], ...] = (AdvisorError, KnowledgeError)
