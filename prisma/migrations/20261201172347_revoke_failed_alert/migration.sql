-- A revoke failing for too long is page-worthy: when the request entered REVOKE_FAILED, and when the
-- reconciler last posted its alert in the audit channel (a compare-and-set, at most one alert per
-- REVOKE_FAILED_ALERT_SECONDS).
ALTER TABLE "access_requests" ADD COLUMN     "revoke_failed_at" TIMESTAMP(3),
ADD COLUMN     "revoke_failed_alerted_at" TIMESTAMP(3);

-- Requests already failing count from their last revoke_failed audit row.
UPDATE "access_requests" r SET "revoke_failed_at" = COALESCE(
  (SELECT max(e."at") FROM "audit_events" e WHERE e."request_id" = r."id" AND e."action" = 'revoke_failed'),
  CURRENT_TIMESTAMP AT TIME ZONE 'UTC')
WHERE r."status" = 'REVOKE_FAILED';

-- The reconciler looks for revokes failing too long: partial, so the index holds only REVOKE_FAILED rows.
-- CreateIndex
CREATE INDEX "access_requests_revoke_failed_idx" ON "access_requests"("revoke_failed_at") WHERE (status = 'REVOKE_FAILED');
