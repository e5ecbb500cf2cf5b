-- Webhook deliveries go through the outbox, like email and SMS: one lease,
-- one retry schedule, one status per row. `webhook_deliveries` keeps only
-- what to send (event, payload, webhook-id) and where; its outbox row
-- (channel 'webhook') points at it and goes with it when the endpoint is
-- deleted. The outbox's message columns stay empty for webhooks.

ALTER TABLE outbox ADD COLUMN webhook_delivery_id UUID REFERENCES webhook_deliveries(id) ON DELETE CASCADE;

-- Every existing delivery keeps its state, under its own id; a delivery not
-- yet delivered keeps its latest attempt's error.
INSERT INTO outbox (id, channel, recipient, subject, body_text, body_html, status, attempts, next_attempt_at,
    last_error, locked_by, locked_until, created_at, delivered_at, webhook_delivery_id)
SELECT d.id, 'webhook', '', '', '', '', d.status, d.attempts, d.next_attempt_at,
    CASE WHEN d.status = 'delivered' THEN NULL ELSE
        (SELECT a.error FROM webhook_attempts a WHERE a.delivery_id = d.id ORDER BY a.at DESC LIMIT 1) END,
    d.locked_by, d.locked_until, d.created_at, d.delivered_at, d.id
FROM webhook_deliveries d;

DROP INDEX webhook_deliveries_due;
DROP INDEX webhook_deliveries_endpoint;
ALTER TABLE webhook_deliveries
    DROP COLUMN status,
    DROP COLUMN attempts,
    DROP COLUMN next_attempt_at,
    DROP COLUMN locked_by,
    DROP COLUMN locked_until,
    DROP COLUMN created_at,
    DROP COLUMN delivered_at;
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id);
CREATE INDEX outbox_webhook_delivery ON outbox (webhook_delivery_id);
