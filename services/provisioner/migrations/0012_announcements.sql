-- What the registry has told the rest of the platform, so the sweep can finish what was not.
-- `version` counts changes of a row; `directory_version` is the version last written to the
-- `tenants` KV (a row with directory_version < version is behind). `announced_at` is set in the
-- transaction that enqueues `tenant.provisioned`, after the bot's webhook and menu are set.
ALTER TABLE tenants
    ADD COLUMN version bigint NOT NULL DEFAULT 1,
    ADD COLUMN directory_version bigint NOT NULL DEFAULT 0,
    ADD COLUMN announced_at timestamptz;
UPDATE tenants SET announced_at = created_at;  -- announced the old way before this migration

-- Every change bumps the version, except the update that only records a directory write.
CREATE FUNCTION tenants_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.directory_version = OLD.directory_version THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER tenants_version BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION tenants_bump_version();

CREATE INDEX tenants_directory_behind ON tenants (tenant_id) WHERE directory_version < version;
CREATE INDEX tenants_unannounced ON tenants (created_at)
    WHERE announced_at IS NULL AND status <> 'deleted';
