-- Break-glass: a grant made at once without an approver, reviewed afterwards. The review and the escalation
-- of an unreviewed grant are recorded once each (compare-and-set on these columns).
-- AlterTable
ALTER TABLE "access_requests"
    ADD COLUMN "break_glass" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "review_due_at" TIMESTAMP(3),
    ADD COLUMN "reviewed_by" TEXT,
    ADD COLUMN "reviewed_at" TIMESTAMP(3),
    ADD COLUMN "review_comment" TEXT,
    ADD COLUMN "review_escalated_at" TIMESTAMP(3),
    ADD COLUMN "review_escalation_sent_at" TIMESTAMP(3);

-- The reconciler's search for reviews that are late, however old the grant: partial, so it holds only
-- break-glass grants nobody has reviewed yet.
-- CreateIndex
CREATE INDEX "access_requests_unreviewed_break_glass_idx" ON "access_requests"("review_due_at") WHERE (break_glass AND reviewed_at IS NULL);
