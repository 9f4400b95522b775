-- The audit chain's writers are serialized by an advisory lock held until their transaction ends, so every
-- round trip made while holding it is paid by every writer waiting behind. This takes the lock and reads the
-- head in one: the SELECT is a statement of its own inside a VOLATILE function, so under READ COMMITTED it
-- takes its snapshot after the lock is granted and sees the previous writer's committed row, as the two
-- statements it replaces did. It runs with the caller's rights (SELECT on audit_events, USAGE on its sequence).
CREATE FUNCTION audit_chain_head_locked()
  RETURNS TABLE ("nextId" bigint, id bigint, hash text, action text)
  LANGUAGE plpgsql VOLATILE
AS $$
#variable_conflict use_column
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('prod_access.audit_events_chain'));
  RETURN QUERY
    SELECT nextval(pg_get_serial_sequence('audit_events', 'id')), last.id, last.hash, last.action
      FROM (SELECT 1) AS one
      LEFT JOIN (SELECT e.id, e.hash, e.action FROM audit_events e ORDER BY e.id DESC LIMIT 1) AS last ON true;
END
$$;
