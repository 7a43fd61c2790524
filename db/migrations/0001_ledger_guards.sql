-- Guards: a write inserts a row here only when a condition it depends on failed
-- (e.g. "INSERT INTO guards(code) SELECT 'wish_not_open' WHERE changes() = 0").
-- The trigger aborts the whole batch, so the table never holds a row.
CREATE TRIGGER guards_abort BEFORE INSERT ON guards
BEGIN
  SELECT RAISE(ABORT, 'guard_failed');
END;
--> statement-breakpoint
-- The ledger is append-only: postings never change; a transaction only receives its hash once.
CREATE TRIGGER postings_no_update BEFORE UPDATE ON postings
BEGIN
  SELECT RAISE(ABORT, 'ledger_immutable');
END;
--> statement-breakpoint
CREATE TRIGGER postings_no_delete BEFORE DELETE ON postings
BEGIN
  SELECT RAISE(ABORT, 'ledger_immutable');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_transactions_no_delete BEFORE DELETE ON ledger_transactions
BEGIN
  SELECT RAISE(ABORT, 'ledger_immutable');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_transactions_seal_only BEFORE UPDATE ON ledger_transactions
WHEN OLD.hash IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.seq IS NOT OLD.seq OR NEW.kind IS NOT OLD.kind
  OR NEW.at IS NOT OLD.at OR NEW.memo IS NOT OLD.memo OR NEW.reverses_id IS NOT OLD.reverses_id
  OR NEW.rule_version IS NOT OLD.rule_version OR NEW.community_id IS NOT OLD.community_id
  OR NEW.ref_type IS NOT OLD.ref_type OR NEW.ref_id IS NOT OLD.ref_id OR NEW.created_by IS NOT OLD.created_by
BEGIN
  SELECT RAISE(ABORT, 'ledger_immutable');
END;
--> statement-breakpoint
INSERT INTO rule_versions (version, points_per_service_hour, points_per_yuan_donated, points_per_wish_fulfilled, star_thresholds, title_min_stars, effective_from, created_at, created_by)
VALUES (1, 10, 1, 20, '[10,100,300,600,1000]', 3, '1970-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', NULL);
--> statement-breakpoint
INSERT INTO accounts (id, code, asset, kind, balance, non_negative) VALUES
  ('points:issuer', 'points:issuer', 'PTS', 'points_issuer', 0, 0),
  ('points:vouchers_outstanding', 'points:vouchers_outstanding', 'PTS', 'vouchers_outstanding', 0, 1),
  ('points:retired', 'points:retired', 'PTS', 'points_retired', 0, 0),
  ('fund:cash', 'fund:cash', 'CNY', 'fund_cash', 0, 1),
  ('fund:income:member', 'fund:income:member', 'CNY', 'fund_income', 0, 0),
  ('fund:income:company', 'fund:income:company', 'CNY', 'fund_income', 0, 0),
  ('fund:income:individual', 'fund:income:individual', 'CNY', 'fund_income', 0, 0),
  ('fund:income:anonymous', 'fund:income:anonymous', 'CNY', 'fund_income', 0, 0),
  ('fund:spending:disability_aid', 'fund:spending:disability_aid', 'CNY', 'fund_spending', 0, 0),
  ('fund:spending:poverty_relief', 'fund:spending:poverty_relief', 'CNY', 'fund_spending', 0, 0),
  ('fund:spending:hardship_aid', 'fund:spending:hardship_aid', 'CNY', 'fund_spending', 0, 0),
  ('fund:spending:wish_purchase', 'fund:spending:wish_purchase', 'CNY', 'fund_spending', 0, 0),
  ('fund:spending:operations', 'fund:spending:operations', 'CNY', 'fund_spending', 0, 0),
  ('goods:stock', 'goods:stock', 'CNY', 'goods_stock', 0, 1),
  ('goods:donated', 'goods:donated', 'CNY', 'goods_donated', 0, 0),
  ('goods:distributed', 'goods:distributed', 'CNY', 'goods_distributed', 0, 0);
--> statement-breakpoint
INSERT INTO counters (name, value) VALUES
  ('wishes_collected', 0), ('wishes_fulfilled', 0), ('wishes_confirmed', 0), ('passbooks', 0),
  ('service_minutes', 0), ('activities', 0), ('participants', 0), ('donations', 0);
