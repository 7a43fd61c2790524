-- Records that existed before provenance: a member's own report is a claim, the rest staff entry.
UPDATE service_records SET method = 'member_claim'
WHERE created_by IN (SELECT id FROM users WHERE role = 'member');
--> statement-breakpoint
-- A service credit reversed before version 2 is marked on its record.
UPDATE service_records SET reversal_id = (
  SELECT r.id FROM ledger_transactions r WHERE r.reverses_id = service_records.transaction_id
) WHERE transaction_id IS NOT NULL;
--> statement-breakpoint
UPDATE members SET service_minutes = (
  SELECT COALESCE(SUM(minutes), 0) FROM service_records
  WHERE member_id = members.id AND status = 'approved' AND reversal_id IS NULL
);
