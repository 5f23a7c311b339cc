"""Words in English, Korean and Chinese: one catalogue of messages kept as data in advisor/data/messages/."""
