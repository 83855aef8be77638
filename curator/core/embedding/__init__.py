"""Text and image encoders, batching, device choice, and the vectors they produce."""
