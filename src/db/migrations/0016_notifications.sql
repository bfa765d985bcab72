-- Where a tenant's notifications go (src/notifications): an HTTPS webhook signed with HMAC-SHA256, a Slack-compatible
-- incoming webhook, or a comment on the event's Notion page. Secrets are never stored here, only the NAME of the
-- Worker secret that holds them (the webhook's signing secret, the Slack URL), as hosts and Notion connections do.
CREATE TABLE notification_channels (
  tenant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('webhook', 'slack', 'notion_comment')),
  -- webhook: the receiver's HTTPS URL; NULL for the other kinds
  url TEXT,
  -- webhook: the Worker secret holding the signing secret; slack: the Worker secret holding the webhook URL
  secret_name TEXT,
  -- 1: events that name no channel go here
  is_default INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  PRIMARY KEY (tenant_id, name)
);

-- One row per event and channel: its delivery. The (tenant, event, channel) key is what makes delivery at most once:
-- a delivered or dead row is never sent again, and a send is claimed before it is made.
CREATE TABLE notifications (
  tenant_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  -- pending (waiting for its next attempt), sending (claimed by a consumer), delivered, dead (gave up after the
  -- last attempt or on a refusal no retry mends), undeliverable (no queue or no such channel: never attempted)
  status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'dead', 'undeliverable')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  delivered_at TEXT,
  PRIMARY KEY (tenant_id, event_id, channel)
);

CREATE INDEX notifications_tenant ON notifications (tenant_id, created_at);
