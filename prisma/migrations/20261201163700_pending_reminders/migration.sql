-- Reminders and escalations of pending requests: each step is claimed by one worker before it is posted
-- (a lease, taken over when its worker died), then recorded as posted, so none is sent twice.
-- AlterTable
ALTER TABLE "access_requests" ADD COLUMN     "reminder_claimed_at" TIMESTAMP(3),
ADD COLUMN     "reminded_at" TIMESTAMP(3),
ADD COLUMN     "escalation_claimed_at" TIMESTAMP(3),
ADD COLUMN     "escalated_at" TIMESTAMP(3);

-- The reminder sweep reads the pending requests with a step not yet posted, every interval; partial, so it
-- holds only those rows.
-- CreateIndex
CREATE INDEX "access_requests_awaiting_reminder_idx" ON "access_requests"("created_at") WHERE (status = 'PENDING' AND (reminded_at IS NULL OR escalated_at IS NULL));
