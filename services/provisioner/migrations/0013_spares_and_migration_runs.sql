-- Spare tenant schemas: made ahead at the latest tenant migration, each with its tenant role
-- (same name), renamed to a buyer's tenant at purchase. Never a tenant: not in `tenants`.
CREATE TABLE spare_schemas (
    schema_name text PRIMARY KEY CHECK (schema_name ~ '^t_spare_[0-9a-f]{12}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX spare_schemas_created ON spare_schemas (created_at);

-- Runs of tenant migrations over every schema (shared.migrate_online): a run is keyed by its
-- migration set; an unfinished one is resumed. One result per schema and run.
CREATE TABLE migration_runs (
    run_id       bigserial PRIMARY KEY,
    target       text NOT NULL,
    schemas      int NOT NULL,
    batches_done int NOT NULL DEFAULT 0,
    resumed      int NOT NULL DEFAULT 0,
    failed       int,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
CREATE INDEX migration_runs_unfinished ON migration_runs (target) WHERE finished_at IS NULL;

CREATE TABLE migration_results (
    run_id      bigint NOT NULL REFERENCES migration_runs (run_id) ON DELETE CASCADE,
    schema_name text NOT NULL,
    ok          boolean NOT NULL,
    applied     int NOT NULL DEFAULT 0,
    error       text NOT NULL DEFAULT '',
    attempts    int NOT NULL DEFAULT 1,
    at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, schema_name)
);
CREATE INDEX migration_results_failed ON migration_results (run_id) WHERE NOT ok;
