-- AlterTable
ALTER TABLE "access_requests" ADD COLUMN     "extends_request_id" INTEGER;

-- AddForeignKey
ALTER TABLE "access_requests" ADD CONSTRAINT "access_requests_extends_request_id_fkey" FOREIGN KEY ("extends_request_id") REFERENCES "access_requests"("id") ON DELETE SET NULL ON UPDATE CASCADE;
