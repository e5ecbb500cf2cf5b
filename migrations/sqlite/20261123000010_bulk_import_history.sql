-- Recent imports on the bulk page: who made each import, in which tenant
-- scope (tenant-scoped staff see their tenant's imports only), and how
-- many rows were invited, resent or skipped.
ALTER TABLE bulk_imports ADD COLUMN created_by_label TEXT NOT NULL DEFAULT '';
ALTER TABLE bulk_imports ADD COLUMN tenant_id BLOB;
ALTER TABLE bulk_imports ADD COLUMN row_count BIGINT;
ALTER TABLE bulk_imports ADD COLUMN invited_count BIGINT;
ALTER TABLE bulk_imports ADD COLUMN resent_count BIGINT;
CREATE INDEX bulk_imports_created_at ON bulk_imports (created_at);
