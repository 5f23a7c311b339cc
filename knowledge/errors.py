"""Domain errors of the knowledge base; the CLI and the bot turn them into messages.

Each says what is wrong in the knowledge base's own terms; what a user should
run about it is for the caller to add (the knowledge base does not know it).
"""


class KnowledgeError(Exception):
    """Base class for every error the knowledge base reports to a user."""


class EmbedderMismatchError(KnowledgeError):
    """The index (or a Chroma collection) holds vectors of another embedder than the one
    asked for. `built_with` names the embedder the index was built with, when known."""

    def __init__(
        self, message: str, *, built_with: str | None = None, configured: str | None = None
    ) -> None:
        super().__init__(message)
        self.built_with = built_with
        self.configured = configured


class IndexLockedError(KnowledgeError):
    """Another process holds the index open for writing."""


class IndexMissingError(KnowledgeError):
    """Nothing has been ingested yet."""


class IndexDamagedError(KnowledgeError):
    """A part of the index is missing or unreadable: only a rebuild can repair it."""


class VectorStoreUnavailableError(KnowledgeError):
    """The Chroma server named by the configuration cannot be reached."""

    def __init__(self, message: str, url: str) -> None:
        super().__init__(message)
        self.url = url


class DocumentNotFoundError(KnowledgeError):
    """A file or folder given to ingest does not exist."""


class UnreadableDocumentError(KnowledgeError):
    """A document could not be read or holds no text."""


class UnknownEmbedderError(KnowledgeError):
    """The embedder specification names no known backend."""


class CardError(KnowledgeError):
    """A card file breaks the card rules."""
