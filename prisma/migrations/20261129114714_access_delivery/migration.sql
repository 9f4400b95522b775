-- AlterTable
ALTER TABLE "access_requests" ADD COLUMN     "access_delivered_at" TIMESTAMP(3),
ADD COLUMN     "access_lines" JSONB,
ADD COLUMN     "access_secret_issued" BOOLEAN NOT NULL DEFAULT false;

-- Grants made before this column existed were delivered (or not) by the old code; never re-send them.
UPDATE "access_requests" SET "access_delivered_at" = "granted_at" WHERE "granted_at" IS NOT NULL;
