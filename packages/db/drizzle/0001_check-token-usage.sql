-- The runbook's token-usage alert (Prevention §4), verbatim: notifies channel
-- high_token_usage when the last day's ai_requests.tokens_used sum passes 1,000,000.
-- The worker fleet calls it on a schedule and listens on the channel.
CREATE OR REPLACE FUNCTION check_token_usage()
RETURNS void AS $$
DECLARE
  daily_usage INTEGER;
BEGIN
  SELECT SUM(tokens_used)
  INTO daily_usage
  FROM ai_requests
  WHERE created_at > NOW() - INTERVAL '1 day';

  IF daily_usage > 1000000 THEN
    -- Notify via webhook
    PERFORM pg_notify('high_token_usage', daily_usage::text);
  END IF;
END;
$$ LANGUAGE plpgsql;
