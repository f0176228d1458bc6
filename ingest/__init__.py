"""Articles -> clean text -> chunks -> embeddings -> index on disk."""
