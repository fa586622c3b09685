-- A bot whose tenant was deleted may be bought again: a fresh tenant. One live tenant per bot.
ALTER TABLE tenants DROP CONSTRAINT tenants_bot_id_key;
CREATE UNIQUE INDEX tenants_live_bot ON tenants (bot_id) WHERE status <> 'deleted';
CREATE INDEX tenants_bot ON tenants (bot_id);
