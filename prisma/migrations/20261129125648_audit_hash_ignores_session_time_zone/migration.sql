-- audit_events.at is a timestamp without time zone (UTC, as Prisma writes it). The hash took a
-- timestamptz, so PostgreSQL converted `at` through the session's TimeZone: in any zone but UTC,
-- `audit verify` reported untouched rows as edited. Hash the stored value itself. Rows chained so far
-- were hashed in UTC sessions, where both forms give the same text, so their hashes stay valid.
DROP FUNCTION audit_event_hash(text, bigint, timestamptz, int, text, text, jsonb);

CREATE FUNCTION audit_event_hash(prev text, id bigint, at timestamp, request_id int, actor text, action text, detail jsonb)
RETURNS text LANGUAGE sql STABLE AS $$
  SELECT encode(sha256(convert_to(concat_ws('|',
    prev, id::text, to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS.US'), coalesce(request_id::text, ''),
    actor, action, detail::text), 'UTF8')), 'hex')
$$;
