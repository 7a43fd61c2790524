-- Hash format V2 publishes (and hashes) every member passbook as the account "member", so the
-- public ledger no longer names passbook numbers. Transactions sealed under V1 are unsealed here
-- and sealed again under V2 by the next sealing run, in seq order; the immutability trigger is
-- dropped only for this statement. Nothing but prev_hash and hash changes.
DROP TRIGGER ledger_transactions_seal_only;
--> statement-breakpoint
UPDATE ledger_transactions SET prev_hash = NULL, hash = NULL WHERE hash IS NOT NULL;
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
