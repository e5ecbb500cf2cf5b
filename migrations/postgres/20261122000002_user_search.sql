-- Substring search over the users table without scanning it: a trigram
-- index (pg_trgm, shipped with PostgreSQL) that serves LIKE '%term%'.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX users_search_trgm ON users USING gin (search_text gin_trgm_ops);
