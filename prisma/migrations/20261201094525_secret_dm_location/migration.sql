-- AlterTable
ALTER TABLE "access_requests" ADD COLUMN     "secret_cleared_at" TIMESTAMP(3),
ADD COLUMN     "secret_dm_channel" TEXT,
ADD COLUMN     "secret_dm_ts" TEXT;
