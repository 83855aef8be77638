-- Embedding spaces: one per (kind, model, template). Each space keeps its vectors in a
-- table of its own, emb_<id>, with a fixed-size FLOAT[dim] column; Curator creates that
-- table when it creates the space, because the size depends on the model.

CREATE SEQUENCE embedding_space_seq START 1;

CREATE TABLE embedding_spaces (
    id          INTEGER PRIMARY KEY DEFAULT nextval('embedding_space_seq'),
    kind        VARCHAR NOT NULL,       -- 'text' or 'image'
    model_id    VARCHAR NOT NULL,
    template    VARCHAR NOT NULL,       -- the text template, or the image descriptor's name
    dim         INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (kind, model_id, template)
);
