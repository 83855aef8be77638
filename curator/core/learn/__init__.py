"""Models learned from the collection's own histories: the sequence signal and a fine-tuned
text encoder. torch is imported inside functions only."""
