-- The audit channel is written by one worker at a time (a lease), in event order, at Slack's pace of
-- about one message a second per channel; under a burst, the lines waiting are gathered into one message.
CREATE TABLE "audit_channel" (
    "id" SMALLINT NOT NULL DEFAULT 1,
    "lease_holder" TEXT,
    "lease_until" TIMESTAMP(3),
    "last_posted_at" TIMESTAMP(3),

    CONSTRAINT "audit_channel_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "audit_channel_single_row" CHECK ("id" = 1)
);

INSERT INTO "audit_channel" ("id") VALUES (1);
