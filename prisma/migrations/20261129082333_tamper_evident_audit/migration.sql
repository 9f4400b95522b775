-- AlterTable
ALTER TABLE "audit_events" ADD COLUMN     "hash" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "prev_hash" TEXT NOT NULL DEFAULT '';


-- The hash of one audit row, chained to the previous row's hash. Used by the insert trigger and by
-- `prod-access audit verify`.
CREATE FUNCTION audit_event_hash(prev text, id bigint, at timestamptz, request_id int, actor text, action text, detail jsonb)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(concat_ws('|',
    prev, id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), coalesce(request_id::text, ''),
    actor, action, detail::text), 'UTF8')), 'hex')
$$;

-- Chain the rows written before this migration, in order.
DO $$
DECLARE
  row record;
  last_hash text := '';
BEGIN
  FOR row IN SELECT * FROM audit_events ORDER BY id LOOP
    UPDATE audit_events
       SET prev_hash = last_hash,
           hash = audit_event_hash(last_hash, row.id, row.at, row.request_id, row.actor, row.action, row.detail)
     WHERE id = row.id
     RETURNING hash INTO last_hash;
  END LOOP;
END $$;

-- Inserts are serialized by a transaction-scoped lock and take their id under it, so id order is chain
-- order even when transactions commit out of the order they started in.
CREATE FUNCTION audit_events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_hash text;
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('prod_access.audit_events_chain'));
  NEW.id := nextval(pg_get_serial_sequence('audit_events', 'id'));
  SELECT hash INTO last_hash FROM audit_events ORDER BY id DESC LIMIT 1;
  NEW.prev_hash := coalesce(last_hash, '');
  NEW.hash := audit_event_hash(NEW.prev_hash, NEW.id, NEW.at, NEW.request_id, NEW.actor, NEW.action, NEW.detail);
  RETURN NEW;
END $$;

CREATE TRIGGER audit_events_chain BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION audit_events_chain();

CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();
