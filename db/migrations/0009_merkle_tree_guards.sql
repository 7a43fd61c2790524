-- The Merkle tree starts empty (RFC 9162: the root of no leaves is SHA-256 of nothing); the first
-- sealing run after this migration adds every transaction from seq 1, hash-chained ones included.
-- The empty tree comes before anything: its checkpoint is dated at the epoch.
INSERT INTO ledger_checkpoints (size, root_hash, sealed_at)
VALUES (0, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '1970-01-01T00:00:00.000Z');
--> statement-breakpoint
-- Existing passbook postings get their salts (for the member commitments in the leaf), and
-- existing donations and expenses their public records, before anything of them is in the tree.
-- Neither is part of the V2 chain hash, so every earlier hash stays as it was and verifies.
DROP TRIGGER postings_no_update;
--> statement-breakpoint
UPDATE postings SET salt = lower(hex(randomblob(16)))
WHERE account_id IN (SELECT id FROM accounts WHERE kind = 'member_passbook');
--> statement-breakpoint
CREATE TRIGGER postings_no_update BEFORE UPDATE ON postings
BEGIN
  SELECT RAISE(ABORT, 'ledger_immutable');
END;
--> statement-breakpoint
DROP TRIGGER ledger_transactions_seal_only;
--> statement-breakpoint
UPDATE ledger_transactions SET public_facts = (
  SELECT json_patch(
    json_object('donorType', d.donor_type, 'kind', d.kind),
    json_patch(
      CASE WHEN d.community_id IS NULL THEN '{}' ELSE json_object('community', d.community_id) END,
      CASE WHEN d.goods_quantity IS NULL THEN '{}' ELSE json_object('goodsQuantity', d.goods_quantity) END))
  FROM donations d WHERE d.transaction_id = ledger_transactions.id)
WHERE id IN (SELECT transaction_id FROM donations);
--> statement-breakpoint
UPDATE ledger_transactions SET public_facts = (
  SELECT CASE WHEN e.community_id IS NULL THEN json_object('purpose', e.purpose)
              ELSE json_object('community', e.community_id, 'purpose', e.purpose) END
  FROM fund_expenses e WHERE e.transaction_id = ledger_transactions.id)
WHERE id IN (SELECT transaction_id FROM fund_expenses);
--> statement-breakpoint
-- The public record is as immutable as the rest of the transaction.
CREATE TRIGGER ledger_transactions_seal_only BEFORE UPDATE ON ledger_transactions
WHEN OLD.hash IS NOT NULL
  OR NEW.id IS NOT OLD.id OR NEW.seq IS NOT OLD.seq OR NEW.kind IS NOT OLD.kind
  OR NEW.at IS NOT OLD.at OR NEW.memo IS NOT OLD.memo OR NEW.reverses_id IS NOT OLD.reverses_id
  OR NEW.rule_version IS NOT OLD.rule_version OR NEW.community_id IS NOT OLD.community_id
  OR NEW.ref_type IS NOT OLD.ref_type OR NEW.ref_id IS NOT OLD.ref_id OR NEW.created_by IS NOT OLD.created_by
  OR NEW.public_facts IS NOT OLD.public_facts
BEGIN
  SELECT RAISE(ABORT, 'ledger_immutable');
END;
--> statement-breakpoint
INSERT INTO ledger_disclosures (transaction_id, name, salt, value)
SELECT transaction_id, 'donorName', lower(hex(randomblob(16))), donor_name FROM donations WHERE donor_name IS NOT NULL;
--> statement-breakpoint
INSERT INTO ledger_disclosures (transaction_id, name, salt, value)
SELECT transaction_id, 'goodsDescription', lower(hex(randomblob(16))), goods_description FROM donations WHERE goods_description IS NOT NULL;
--> statement-breakpoint
INSERT INTO ledger_disclosures (transaction_id, name, salt, value)
SELECT transaction_id, 'description', lower(hex(randomblob(16))), description FROM fund_expenses;
--> statement-breakpoint
INSERT INTO ledger_disclosures (transaction_id, name, salt, value)
SELECT transaction_id, 'receiptRef', lower(hex(randomblob(16))), receipt_ref FROM fund_expenses;
--> statement-breakpoint
-- A disclosure is only ever withdrawn: value and salt go, the commitment stays, once.
CREATE TRIGGER ledger_disclosures_withdraw_only BEFORE UPDATE ON ledger_disclosures
WHEN OLD.value IS NULL OR NEW.value IS NOT NULL OR NEW.salt IS NOT NULL OR NEW.commitment IS NULL
  OR NEW.transaction_id IS NOT OLD.transaction_id OR NEW.name IS NOT OLD.name
BEGIN
  SELECT RAISE(ABORT, 'ledger_immutable');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_disclosures_no_delete BEFORE DELETE ON ledger_disclosures
BEGIN
  SELECT RAISE(ABORT, 'ledger_immutable');
END;
--> statement-breakpoint
CREATE TRIGGER merkle_nodes_no_update BEFORE UPDATE ON merkle_nodes
BEGIN
  SELECT RAISE(ABORT, 'ledger_immutable');
END;
--> statement-breakpoint
CREATE TRIGGER merkle_nodes_no_delete BEFORE DELETE ON merkle_nodes
BEGIN
  SELECT RAISE(ABORT, 'ledger_immutable');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
BEGIN
  SELECT RAISE(ABORT, 'ledger_immutable');
END;
--> statement-breakpoint
CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
BEGIN
  SELECT RAISE(ABORT, 'ledger_immutable');
END;
