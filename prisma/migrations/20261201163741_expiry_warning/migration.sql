-- The warning a requester gets before a grant ends: when it is due (set at the grant, from the level's
-- warnBefore), the claim of the one worker sending it, and when it was sent (once).
ALTER TABLE "access_requests" ADD COLUMN     "expiry_warning_at" TIMESTAMP(3),
ADD COLUMN     "warning_claimed_at" TIMESTAMP(3),
ADD COLUMN     "expiry_warned_at" TIMESTAMP(3);
