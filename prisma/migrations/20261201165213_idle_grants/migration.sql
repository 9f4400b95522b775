-- Idle-bound grants: the last time the session sampler saw a session of the grant's identity open (null:
-- none seen yet), and why the system ended a grant early ("idle for 30m"), shown in its messages.
ALTER TABLE "access_requests" ADD COLUMN     "last_session_seen_at" TIMESTAMP(3),
ADD COLUMN     "end_reason" TEXT;
