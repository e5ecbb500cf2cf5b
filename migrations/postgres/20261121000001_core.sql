-- Core schema: users, login IDs, tenants, roles, invitations, links,
-- outbox, dev mailbox, sessions, audit log, settings.
-- Timestamps are TIMESTAMPTZ bound from Rust.

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
    id UUID PRIMARY KEY,
    name TEXT NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE roles (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL DEFAULT '',
    console BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);
INSERT INTO roles (name, description, console, created_at) VALUES
  ('admin', 'Full control of the console', TRUE, TIMESTAMPTZ '2026-01-01T00:00:00+00:00'),
  ('secondary_admin', 'Manages users, not settings', TRUE, TIMESTAMPTZ '2026-01-01T00:00:00+00:00'),
  ('user_invite', 'Support: finds and resends invitations', TRUE, TIMESTAMPTZ '2026-01-01T00:00:00+00:00');

CREATE TABLE users (
    id UUID PRIMARY KEY,
    display_name TEXT NOT NULL DEFAULT '',
    given_name TEXT NOT NULL DEFAULT '',
    family_name TEXT NOT NULL DEFAULT '',
    external_id TEXT,
    custom_attributes JSONB NOT NULL DEFAULT '{}',
    password_hash TEXT,
    status TEXT NOT NULL,
    invited_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    last_login_at TIMESTAMPTZ
);
CREATE INDEX users_status_created ON users (status, created_at);
CREATE INDEX users_created ON users (created_at);

CREATE TABLE login_ids (
    value TEXT PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_ids_user ON login_ids (user_id);

CREATE TABLE user_roles (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL REFERENCES roles(name) ON DELETE CASCADE,
    -- all-zero UUID means project-wide
    tenant_id UUID NOT NULL,
    PRIMARY KEY (user_id, role, tenant_id)
);

CREATE TABLE user_tenants (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id UUID NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, tenant_id)
);

CREATE TABLE invitations (
    id UUID PRIMARY KEY,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id UUID REFERENCES tenants(id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    login_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    template_key TEXT NOT NULL,
    lang TEXT NOT NULL,
    redirect_url TEXT,
    grants JSONB NOT NULL,
    invited_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    resent_at TIMESTAMPTZ,
    resent_count BIGINT NOT NULL DEFAULT 0,
    accepted_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ
);
CREATE INDEX invitations_user ON invitations (user_id, created_at);
CREATE INDEX invitations_status_expires ON invitations (status, expires_at);

CREATE TABLE invitation_links (
    token_hash TEXT PRIMARY KEY,
    invitation_id UUID NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    state TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX invitation_links_invitation ON invitation_links (invitation_id);

CREATE TABLE outbox (
    id UUID PRIMARY KEY,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    invitation_id UUID REFERENCES invitations(id) ON DELETE SET NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    last_error TEXT,
    locked_by TEXT,
    locked_until TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

CREATE TABLE dev_mailbox (
    id UUID PRIMARY KEY,
    outbox_id UUID NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body_text TEXT NOT NULL,
    body_html TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    key_hash TEXT PRIMARY KEY,
    user_id UUID,
    state TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
    id UUID PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor_id UUID,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    tenant_id UUID,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    details JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_at ON audit_log (at);
