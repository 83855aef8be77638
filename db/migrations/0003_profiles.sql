-- Named weight profiles for the hybrid recommender; at most one is the default.

CREATE TABLE weight_profiles (
    name        VARCHAR PRIMARY KEY,
    weights     JSON NOT NULL,         -- signal -> weight
    params      JSON NOT NULL,         -- mmr_lambda, artist_cap, half_life_days
    is_default  BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at  TIMESTAMP NOT NULL
);
