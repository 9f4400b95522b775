-- The warning a requester gets before a grant ends: when it is due (set at the grant, from the level's
-- warnBefore), the claim of the one worker sending it, and when it was sent (once).
ALTER TABLE "access_requests" ADD COLUMN     "expiry_warning_at" TIMESTAMP(3),
ADD COLUMN     "warning_claimed_at" TIMESTAMP(3),
ADD COLUMN     "expiry_warned_at" TIMESTAMP(3);

-- The reconciler looks for warnings due among live grants not warned yet: partial, so the index holds only
-- those rows (a grant leaves it once warned or ended), however many requests there have been.
-- CreateIndex
CREATE INDEX "access_requests_unsent_warning_idx" ON "access_requests"("expiry_warning_at") WHERE (status = 'ACTIVE' AND expiry_warned_at IS NULL AND expiry_warning_at IS NOT NULL);
