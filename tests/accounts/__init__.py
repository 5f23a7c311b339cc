"""Tests of the accounts store, importer, segmentation, risks, charts and CLI."""
