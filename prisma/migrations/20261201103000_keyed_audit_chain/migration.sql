-- The audit chain becomes keyed, and the app stops running as the owner of its tables.
--
-- Rows written so far keep hash_scheme 1: the trigger's unkeyed SHA-256 over concat_ws('|', …), which
-- `prod-access audit verify` still recomputes for them. From now on the app writes every row itself with
-- hash_scheme 2, an HMAC-SHA256 whose key (AUDIT_HMAC_KEY) never reaches the database; the first such row
-- is where the keyed chain starts, and its HMAC covers the last legacy hash, which seals the rows before it.
ALTER TABLE "audit_events" ADD COLUMN "hash_scheme" SMALLINT NOT NULL DEFAULT 1;
ALTER TABLE "audit_events" ALTER COLUMN "hash_scheme" DROP DEFAULT,
  ALTER COLUMN "hash" DROP DEFAULT,
  ALTER COLUMN "prev_hash" DROP DEFAULT;

DROP TRIGGER audit_events_chain ON audit_events;
DROP FUNCTION audit_events_chain();
DROP FUNCTION audit_event_hash(text, bigint, timestamp, int, text, text, jsonb);

-- The database cannot check an HMAC, but it refuses a row that does not extend the chain: a writer that
-- skipped the chain lock, or a row claiming a place before the last one.
CREATE FUNCTION audit_events_extend_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last record;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('prod_access.audit_events_chain'));
  SELECT id, hash INTO last FROM audit_events ORDER BY id DESC LIMIT 1;
  IF NEW.hash_scheme <> 2 OR NEW.id <= coalesce(last.id, 0) OR NEW.prev_hash <> coalesce(last.hash, '') THEN
    RAISE EXCEPTION 'audit event % does not extend the audit chain', NEW.id USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER audit_events_extend_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_extend_chain();

-- The app's role: it may read and add audit rows, never change or remove them (nor alter the table: only
-- its owner, the role migrations run as, can). Its name is the database setting prod_access.app_role
-- (`ALTER DATABASE … SET prod_access.app_role = '…'`, or `options=-c prod_access.app_role=…` in
-- MIGRATION_DATABASE_URL), by default prod_access_app; it is created, without login, if missing, so a login
-- of another name can be made a member of it.
DO $$
DECLARE
  app_role text := coalesce(nullif(current_setting('prod_access.app_role', true), ''), 'prod_access_app');
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = app_role) THEN
    BEGIN
      EXECUTE format('CREATE ROLE %I NOLOGIN', app_role);
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
      NULL; -- another migration on this server created it first
    END;
  END IF;
  IF app_role = current_user THEN
    RAISE EXCEPTION 'prod_access.app_role names the role running the migrations (%): the app must run as another role', app_role;
  END IF;
  -- Every table the app uses it may read, add to and update, never delete from; the audit tables only read
  -- and add to; the migrations' own table not at all. Tables later migrations create get the same (and a
  -- table that must be append-only revokes UPDATE in its own migration).
  EXECUTE format('GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA %I TO %I', current_schema(), app_role);
  EXECUTE format('REVOKE UPDATE ON audit_events, audit_deliveries FROM %I', app_role);
  IF to_regclass('_prisma_migrations') IS NOT NULL THEN
    EXECUTE format('REVOKE ALL ON _prisma_migrations FROM %I', app_role);
  END IF;
  EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO %I', current_schema(), app_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE ON TABLES TO %I', current_schema(), app_role);
  EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE ON SEQUENCES TO %I', current_schema(), app_role);
END $$;
