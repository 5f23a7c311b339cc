"""Ingest: loading documents, cleaning them, cutting passages and building the index."""
