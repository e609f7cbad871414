-- Issue 19, hand-written. The proposal version its Slack card was last drawn at: a repeat
-- click on a decided card finds the card current and draws nothing, and of many clicks
-- piling up on one card only the first redraws it.
ALTER TABLE "proposals" ADD COLUMN "card_version" integer;
