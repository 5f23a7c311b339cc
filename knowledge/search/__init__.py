"""Search: embedders, the vector index, lexical search and the hybrid retriever."""
