-- User management at scale: denormalized listing columns with indexes,
-- tenant allow-lists and disabling, tenant-level roles, inviter quotas,
-- and bulk imports (preview, then commit, then a per-row result).

ALTER TABLE users ADD COLUMN primary_login_id TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
-- Lowercased login IDs, names and external ID, for search.
ALTER TABLE users ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE users SET primary_login_id = COALESCE((SELECT MIN(value) FROM login_ids WHERE user_id = users.id), '');
UPDATE users SET sort_name = LOWER(TRIM(given_name || ' ' || family_name));
UPDATE users SET sort_name = primary_login_id WHERE sort_name = '';
UPDATE users SET search_text = LOWER(primary_login_id || ' ' || given_name || ' ' || family_name || ' ' || display_name || ' ' || COALESCE(external_id, ''));
CREATE INDEX users_sort_name ON users (sort_name, id);
CREATE INDEX users_status_sort_name ON users (status, sort_name, id);
CREATE INDEX users_last_login ON users (last_login_at);
CREATE INDEX users_external_id ON users (external_id);
CREATE INDEX user_tenants_tenant ON user_tenants (tenant_id, user_id);
CREATE INDEX user_roles_role ON user_roles (role, user_id);
CREATE INDEX invitations_tenant ON invitations (tenant_id, user_id);
CREATE INDEX invitations_inviter ON invitations (invited_by, created_at);
CREATE INDEX invitations_created ON invitations (created_at);

ALTER TABLE tenants ADD COLUMN allowed_domains TEXT NOT NULL DEFAULT '';
ALTER TABLE roles ADD COLUMN scope TEXT NOT NULL DEFAULT 'project';
ALTER TABLE account_settings ADD COLUMN invites_per_inviter_per_day BIGINT NOT NULL DEFAULT 0;

CREATE TABLE bulk_imports (
    id BLOB PRIMARY KEY,
    created_by BLOB NOT NULL,
    created_at TEXT NOT NULL,
    mode TEXT NOT NULL,
    input TEXT NOT NULL,
    options TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    committed_at TEXT
);
