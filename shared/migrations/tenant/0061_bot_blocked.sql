-- Chats that blocked the bot (the notifier's delivery outcome `blocked`), cleared when the
-- customer writes to the bot again; and when booking learned that a broadcast ended (its final
-- report went to the owner, or the notifier refused it), so a second one is refused up front.
ALTER TABLE customers ADD COLUMN bot_blocked_at timestamptz;
ALTER TABLE broadcasts ADD COLUMN finished_at timestamptz;
