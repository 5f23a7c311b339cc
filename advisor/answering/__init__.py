"""Answering a question: understanding it, choosing cards (playbook, planner), composing the answer,
optionally writing it up with a chat model, and scoring answers on a question set."""
