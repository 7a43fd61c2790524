-- A posting and its account's balance change together, enforced by the database: inserting a
-- posting applies it to the stored balance (CHECK balance_non_negative still guards the result).
-- The writer computes balance_after as the balance before plus the amount, in the same INSERT.
CREATE TRIGGER postings_apply AFTER INSERT ON postings
BEGIN
  SELECT RAISE(ABORT, 'posting_asset_mismatch')
    WHERE (SELECT asset FROM accounts WHERE id = NEW.account_id) IS NOT NEW.asset;
  UPDATE accounts SET balance = balance + NEW.amount WHERE id = NEW.account_id;
END;
