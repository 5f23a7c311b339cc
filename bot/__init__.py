"""The Telegram edge: wiring, thin handlers, formatting, access checks at the door."""
