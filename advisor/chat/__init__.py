"""The chat core shared by the Telegram bot and `advisor chat`: commands, access, state, views."""
