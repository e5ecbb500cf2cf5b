-- Core schema: users, login IDs, tenants, roles, invitations, links,
-- outbox, dev mailbox, sessions, audit log, settings.
-- Timestamps are RFC 3339 UTC text bound from Rust; UUIDs are 16-byte blobs.

CREATE TABLE instance_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE account_settings (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    account_name TEXT NOT NULL,
    invitation_lifetime_secs BIGINT NOT NULL,
    link_lifetime_secs BIGINT NOT NULL,
    resend_cooldown_secs BIGINT NOT NULL,
    default_lang TEXT NOT NULL
);
INSERT INTO account_settings VALUES (1, 'Usher', 604800, 604800, 60, 'en');

CREATE TABLE tenants (
    id BLOB PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL
);

CREATE TABLE roles (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    console BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TEXT NOT NULL
);
INSERT INTO roles (name, description, console, created_at) VALUES
  ('admin', 'Full control of the console', TRUE, '2026-01-01T00:00:00+00:00'),
  ('secondary_admin', 'Manages users, not settings', TRUE, '2026-01-01T00:00:00+00:00'),
  ('user_invite', 'Support: finds and resends invitations', TRUE, '2026-01-01T00:00:00+00:00');

CREATE TABLE users (
    id BLOB PRIMARY KEY,
    display_name TEXT NOT NULL DEFAULT '',
    given_name TEXT NOT NULL DEFAULT '',
    family_name TEXT NOT NULL DEFAULT '',
    external_id TEXT,
    custom_attributes TEXT NOT NULL DEFAULT '{}',
    password_hash TEXT,
    status TEXT NOT NULL,
    invited_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    last_login_at TEXT
);
CREATE INDEX users_status_created ON users (status, created_at);
CREATE INDEX users_created ON users (created_at);

CREATE TABLE login_ids (
    value TEXT PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX login_ids_user ON login_ids (user_id);

CREATE TABLE user_roles (
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL REFERENCES roles(name) ON DELETE CASCADE,
    -- all-zero UUID means project-wide
    tenant_id BLOB NOT NULL,
    PRIMARY KEY (user_id, role, tenant_id)
);

CREATE TABLE user_tenants (
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, tenant_id)
);

CREATE TABLE invitations (
    id BLOB PRIMARY KEY,
    user_id BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id BLOB REFERENCES tenants(id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    login_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    template_key TEXT NOT NULL,
    lang TEXT NOT NULL,
    redirect_url TEXT,
    grants TEXT NOT NULL,
    invited_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    sent_at TEXT,
    resent_at TEXT,
    resent_count BIGINT NOT NULL DEFAULT 0,
    accepted_at TEXT,
    closed_at TEXT
);
CREATE INDEX invitations_user ON invitations (user_id, created_at);
CREATE INDEX invitations_status_expires ON invitations (status, expires_at);

CREATE TABLE invitation_links (
    token_hash TEXT PRIMARY KEY,
    invitation_id BLOB NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX invitation_links_invitation ON invitation_links (invitation_id);

CREATE TABLE outbox (
    id BLOB PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    invitation_id BLOB REFERENCES invitations(id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error TEXT,
    locked_by TEXT,
    locked_until TEXT,
    created_at TEXT NOT NULL,
    delivered_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE dev_mailbox (
    id BLOB PRIMARY KEY,
    outbox_id BLOB NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    key_hash TEXT PRIMARY KEY,
    user_id BLOB,
    state TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
    id BLOB PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id BLOB,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    tenant_id BLOB,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
