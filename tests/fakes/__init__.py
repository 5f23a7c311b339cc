"""Fakes and shared helpers of the tests: loopback servers, a fake embedder, builders."""
