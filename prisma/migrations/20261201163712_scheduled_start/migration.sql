-- AlterTable: when a request's access is to begin (NULL: as soon as it is approved).
ALTER TABLE "access_requests" ADD COLUMN     "starts_at" TIMESTAMP(3);
