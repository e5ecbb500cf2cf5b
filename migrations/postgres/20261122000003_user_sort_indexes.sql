-- Indexes that match the users table's sort orders exactly (with the id
-- tie-breaker), so deep pages walk an index instead of sorting.
DROP INDEX users_created;
DROP INDEX users_status_created;
DROP INDEX users_last_login;
CREATE INDEX users_created_id ON users (created_at, id);
CREATE INDEX users_status_created_id ON users (status, created_at, id);
CREATE INDEX users_activity_id ON users (last_login_at DESC NULLS LAST, id DESC);
