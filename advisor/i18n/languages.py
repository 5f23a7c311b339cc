"""The languages the advisor writes in: its answers, briefs, chat and drills."""

LANGUAGES = ("en", "ko", "zh")  # Chinese in simplified characters; traditional by conversion
