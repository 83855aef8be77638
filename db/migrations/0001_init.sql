-- Catalog, people, their histories, and the import batches that brought them in.

CREATE SEQUENCE import_batch_seq START 1;

CREATE TABLE import_batches (
    id             INTEGER PRIMARY KEY DEFAULT nextval('import_batch_seq'),
    kind           VARCHAR NOT NULL,            -- 'catalog' or 'events'
    source_path    VARCHAR NOT NULL,
    source_sha256  VARCHAR NOT NULL,
    mapping        JSON,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP NOT NULL,
    accepted       BIGINT NOT NULL,
    rejected       BIGINT NOT NULL,
    inserted       BIGINT NOT NULL,
    updated        BIGINT NOT NULL,
    unchanged      BIGINT NOT NULL,
    status         VARCHAR NOT NULL DEFAULT 'applied'   -- 'applied' or 'undone'
);

CREATE TABLE artworks (
    id              VARCHAR PRIMARY KEY,        -- stable external id (accession number)
    title           VARCHAR,
    artists         VARCHAR[],
    date_text       VARCHAR,
    year_start      INTEGER,
    year_end        INTEGER,
    medium          VARCHAR,
    classification  VARCHAR,
    description     VARCHAR,
    tags            VARCHAR[],
    image_path      VARCHAR,
    available       BOOLEAN NOT NULL DEFAULT TRUE,
    record          JSON,                       -- the source record as imported
    content_hash    VARCHAR NOT NULL,           -- over the curated fields above
    batch_id        INTEGER NOT NULL,           -- the batch that last changed this row
    updated_at      TIMESTAMP NOT NULL
);

-- The previous version of every artwork a batch inserted or changed, so a batch can be undone.
CREATE TABLE artwork_versions (
    batch_id        INTEGER NOT NULL,
    id              VARCHAR NOT NULL,
    previous        JSON                        -- NULL: the batch inserted this artwork
);

CREATE TABLE users (
    id              VARCHAR PRIMARY KEY,
    first_batch_id  INTEGER NOT NULL,
    created_at      TIMESTAMP NOT NULL
);

CREATE TABLE events (
    user_id         VARCHAR NOT NULL,
    artwork_id      VARCHAR NOT NULL,
    kind            VARCHAR NOT NULL,           -- view, click, favourite, like, share, purchase, rating
    value           DOUBLE,                     -- the rating, or NULL
    ts              TIMESTAMP NOT NULL,
    batch_id        INTEGER NOT NULL
);

CREATE TABLE settings (
    key             VARCHAR PRIMARY KEY,
    value           JSON NOT NULL
);
