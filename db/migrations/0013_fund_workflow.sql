CREATE TABLE `fund_budgets` (
	`year` integer NOT NULL,
	`purpose` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`updated_at` text NOT NULL,
	`updated_by` text NOT NULL,
	PRIMARY KEY(`year`, `purpose`)
);
--> statement-breakpoint
CREATE TABLE `fund_receipts` (
	`expense_id` text NOT NULL,
	`sha256` text NOT NULL,
	`content_type` text NOT NULL,
	`size` integer NOT NULL,
	`at` text NOT NULL,
	`created_by` text NOT NULL,
	PRIMARY KEY(`expense_id`, `sha256`),
	FOREIGN KEY (`expense_id`) REFERENCES `fund_expenses`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `fund_restricted_draws` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`expense_id` text NOT NULL,
	`donation_id` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`transaction_id` text NOT NULL,
	FOREIGN KEY (`expense_id`) REFERENCES `fund_expenses`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`donation_id`) REFERENCES `donations`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `fund_restricted_draws_donation_idx` ON `fund_restricted_draws` (`donation_id`);--> statement-breakpoint
CREATE INDEX `fund_restricted_draws_expense_idx` ON `fund_restricted_draws` (`expense_id`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_fund_expenses` (
	`id` text PRIMARY KEY NOT NULL,
	`amount_fen` integer NOT NULL,
	`purpose` text NOT NULL,
	`description` text NOT NULL,
	`receipt_ref` text NOT NULL,
	`approved_by` text,
	`payee` text,
	`community_id` text,
	`status` text DEFAULT 'paid' NOT NULL,
	`transaction_id` text,
	`at` text NOT NULL,
	`created_by` text NOT NULL,
	`recorder_name` text,
	`recorder_role` text,
	`approver_id` text,
	`approver_name` text,
	`approver_role` text,
	`approver_community_id` text,
	`decided_at` text,
	`reason` text
);
--> statement-breakpoint
INSERT INTO `__new_fund_expenses`("id", "amount_fen", "purpose", "description", "receipt_ref", "approved_by", "community_id", "status", "transaction_id", "at", "created_by", "recorder_name", "recorder_role") SELECT e."id", e."amount_fen", e."purpose", e."description", e."receipt_ref", e."approved_by", e."community_id", 'paid', e."transaction_id", e."at", e."created_by", u."username", u."role" FROM `fund_expenses` e LEFT JOIN `users` u ON u."id" = e."created_by";--> statement-breakpoint
DROP TABLE `fund_expenses`;--> statement-breakpoint
ALTER TABLE `__new_fund_expenses` RENAME TO `fund_expenses`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `fund_expenses_status_idx` ON `fund_expenses` (`status`,`id`);--> statement-breakpoint
ALTER TABLE `donations` ADD `restriction_purpose` text;--> statement-breakpoint
ALTER TABLE `donations` ADD `restriction_community_id` text;--> statement-breakpoint
ALTER TABLE `donations` ADD `restricted_remaining_fen` integer;--> statement-breakpoint
ALTER TABLE `rule_versions` ADD `expense_approval_above_fen` integer;