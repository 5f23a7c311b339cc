"""Accounts: the store and CSV import, segmentation (EI–EIV, PI–PIV, F), risk signals,
segment movement, rep time allocation and the portfolio picture.

Entry points for the rest of the advisor live in `advisor.accounts.portfolio`
(`analyse_store`, `monthly_revenue`), `advisor.accounts.directory` (the
`AccountDirectory` the advisor reads, with typed views from `view.py`) and
`advisor.accounts.importer` (`import_files`). This package never imports the
knowledge base or the bot.
"""
