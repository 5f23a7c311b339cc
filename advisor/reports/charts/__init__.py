"""Charts: the portfolio matrix, an account's monthly revenue, the defector study (CJK fonts bundled)."""
