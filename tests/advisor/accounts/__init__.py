"""Tests of the accounts store, importer, segmentation, risks and views."""
