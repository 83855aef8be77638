"""The engine: storage, import, embedding, recommendation and evaluation. No Qt here."""
