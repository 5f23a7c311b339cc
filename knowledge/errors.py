"""Domain errors of the knowledge base; the CLI and the bot turn them into messages."""


class KnowledgeError(Exception):
    """Base class for every error the knowledge base reports to a user."""


class EmbedderMismatchError(KnowledgeError):
    """The index was built by another embedder than the one asked for."""


class IndexLockedError(KnowledgeError):
    """Another process holds the index open for writing."""


class IndexMissingError(KnowledgeError):
    """Nothing has been ingested yet."""


class UnreadableDocumentError(KnowledgeError):
    """A document could not be read or holds no text."""


class UnknownEmbedderError(KnowledgeError):
    """The embedder specification names no known backend."""


class CardError(KnowledgeError):
    """A card file breaks the card rules."""
