-- An audit entry about a person who belongs to several tenants concerns
-- each of them: audit_log.tenant_id holds the first, this table every one,
-- so each tenant's scoped viewers see the entry.
CREATE TABLE audit_log_tenants (
    audit_id UUID NOT NULL REFERENCES audit_log(id) ON DELETE CASCADE,
    tenant_id UUID NOT NULL,
    PRIMARY KEY (audit_id, tenant_id)
);
