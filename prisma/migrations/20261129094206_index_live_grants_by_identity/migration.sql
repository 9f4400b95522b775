-- CreateIndex
CREATE INDEX "access_requests_resource_id_target_identity_idx" ON "access_requests"("resource_id", "target_identity");
