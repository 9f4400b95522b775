-- AlterTable
ALTER TABLE "access_requests" ADD COLUMN     "message_status" "RequestStatus",
ADD COLUMN     "notified_status" "RequestStatus";

-- CreateTable
CREATE TABLE "audit_deliveries" (
    "event_id" BIGINT NOT NULL,
    "posted_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_deliveries_pkey" PRIMARY KEY ("event_id")
);
