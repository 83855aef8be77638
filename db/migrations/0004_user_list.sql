-- Visitors and collectors can come from a list of people (import-users) as well as from their
-- events. Once a list is in, a history naming someone the database does not know is refused.
-- listed_batch_id: the users import that first listed this person (NULL: never listed).

ALTER TABLE users ADD COLUMN listed_batch_id INTEGER;
