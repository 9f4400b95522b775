-- CreateTable
CREATE TABLE "identity_bindings" (
    "resource_id" TEXT NOT NULL,
    "identity" TEXT NOT NULL,
    "slack_user_id" TEXT NOT NULL,
    "bound_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "identity_bindings_pkey" PRIMARY KEY ("resource_id","identity")
);

-- Requests made before bindings existed bind their identities, the earliest requester first, so nobody
-- can claim an identity someone already used.
INSERT INTO "identity_bindings" ("resource_id", "identity", "slack_user_id", "bound_at")
SELECT DISTINCT ON ("resource_id", "target_identity") "resource_id", "target_identity", "requester_id", "created_at"
FROM "access_requests"
ORDER BY "resource_id", "target_identity", "created_at", "id";
