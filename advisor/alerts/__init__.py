"""Proactive alerts: the rules that find accounts moving into risk, the runs, their store and words."""
