"""Documents → structured paragraphs → chunks → embeddings → FAISS index on disk."""
