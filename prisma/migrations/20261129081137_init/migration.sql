-- CreateEnum
CREATE TYPE "RequestStatus" AS ENUM ('PENDING', 'DENIED', 'TIMED_OUT', 'APPROVED', 'ACTIVE', 'EXPIRED', 'REVOKED', 'FAILED', 'REVOKE_FAILED');

-- CreateEnum
CREATE TYPE "DecisionKind" AS ENUM ('APPROVE', 'DENY');

-- CreateTable
CREATE TABLE "access_requests" (
    "id" SERIAL NOT NULL,
    "requester_id" TEXT NOT NULL,
    "resource_id" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "target_identity" TEXT NOT NULL,
    "duration_seconds" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "ticket_url" TEXT,
    "status" "RequestStatus" NOT NULL DEFAULT 'PENDING',
    "approvals_required" INTEGER NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "pending_expires_at" TIMESTAMP(3) NOT NULL,
    "decided_at" TIMESTAMP(3),
    "granted_at" TIMESTAMP(3),
    "expires_at" TIMESTAMP(3),
    "ended_at" TIMESTAMP(3),
    "ended_by" TEXT,
    "failure_reason" TEXT,
    "channel_id" TEXT,
    "message_ts" TEXT,
    "message_claimed_at" TIMESTAMP(3),

    CONSTRAINT "access_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "decisions" (
    "id" SERIAL NOT NULL,
    "request_id" INTEGER NOT NULL,
    "user_id" TEXT NOT NULL,
    "kind" "DecisionKind" NOT NULL,
    "comment" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "request_id" INTEGER,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "access_requests_status_expires_at_idx" ON "access_requests"("status", "expires_at");

-- CreateIndex
CREATE INDEX "access_requests_status_pending_expires_at_idx" ON "access_requests"("status", "pending_expires_at");

-- CreateIndex
CREATE INDEX "access_requests_requester_id_created_at_idx" ON "access_requests"("requester_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "decisions_request_id_user_id_key" ON "decisions"("request_id", "user_id");

-- CreateIndex
CREATE INDEX "audit_events_request_id_id_idx" ON "audit_events"("request_id", "id");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at");

-- AddForeignKey
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "access_requests"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_request_id_fkey" FOREIGN KEY ("request_id") REFERENCES "access_requests"("id") ON DELETE SET NULL ON UPDATE CASCADE;
