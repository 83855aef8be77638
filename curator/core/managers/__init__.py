"""The managers behind the :class:`~curator.core.catalog.Catalog` facade.

Each owns one part of what a curator does (imports, embeddings, artworks, recommendations,
visitors, maintenance). Front ends reach them as ``catalog.imports``, ``catalog.embeddings``
and so on; every mutation returns one :class:`~curator.core.changes.Changes` record.
"""
