"""The HTTP edge: one module per surface, plus health, blobs and shared dependencies."""
