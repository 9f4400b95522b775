-- The reconciler looks for one-time secrets still in a DM after the access ended, however old the request;
-- without an index that reads every ended request. Partial, so it holds only the few rows whose secret is
-- not yet taken out.
-- CreateIndex
CREATE INDEX "access_requests_uncleared_secret_idx" ON "access_requests"("id") WHERE (secret_dm_ts IS NOT NULL AND secret_cleared_at IS NULL);
