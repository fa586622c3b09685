-- Tenants on more than one Postgres server: the server that holds each tenant's schema, by
-- the name the services know it by (`main` is the platform's own database; DATABASE_SERVERS
-- names the others). New tenants are placed on the server with the fewest tenants.
ALTER TABLE tenants ADD COLUMN db_server text NOT NULL DEFAULT 'main';
CREATE INDEX tenants_db_server ON tenants (db_server) WHERE status <> 'deleted';
