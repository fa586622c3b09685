-- Tenant backups (shared/backup_notifier.py) are taken and restored by the provisioner's
-- login: it may read a tenant's deliveries and blocked chats and put them back, nothing more.
-- Without that login (a development database run as one superuser) there is nothing to grant.
DO $grant$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'bookbots_provisioner') THEN
        GRANT USAGE ON SCHEMA notifier TO bookbots_provisioner;
        GRANT SELECT, INSERT, UPDATE ON notifier.deliveries TO bookbots_provisioner;
        GRANT SELECT, INSERT ON notifier.blocked_chats TO bookbots_provisioner;
    END IF;
END
$grant$;
