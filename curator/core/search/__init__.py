"""Finding artworks by words: a keyword (BM25) index, artist names, and hybrid ranking."""
