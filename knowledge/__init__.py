"""The knowledge base: sources, cards, cleaning, chunking, embeddings, the index, retrieval."""
