"""Users of the chat: their roles, languages and feedback, under a platform-neutral user id."""
