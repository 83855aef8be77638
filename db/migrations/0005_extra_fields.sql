-- Fields beyond the core ones (dimensions, credit line, department, movement, ...), kept by
-- name. A map on the artwork itself keeps browsing, the detail panel and the embedding text
-- one row read, with no join. Keys are lower-case names; values are text.

ALTER TABLE artworks ADD COLUMN extra MAP(VARCHAR, VARCHAR);
