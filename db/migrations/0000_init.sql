CREATE TABLE `accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`asset` text NOT NULL,
	`kind` text NOT NULL,
	`balance` integer DEFAULT 0 NOT NULL,
	`non_negative` integer DEFAULT false NOT NULL,
	CONSTRAINT "balance_non_negative" CHECK("accounts"."non_negative" = 0 OR "accounts"."balance" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `accounts_code_unique` ON `accounts` (`code`);--> statement-breakpoint
CREATE TABLE `activities` (
	`id` text PRIMARY KEY NOT NULL,
	`community_id` text NOT NULL,
	`title` text NOT NULL,
	`date` text NOT NULL,
	`place` text NOT NULL,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`community_id`) REFERENCES `communities`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `activities_community_idx` ON `activities` (`community_id`,`id`);--> statement-breakpoint
CREATE TABLE `awards` (
	`id` text PRIMARY KEY NOT NULL,
	`year` integer NOT NULL,
	`member_id` text NOT NULL,
	`title` text NOT NULL,
	`citation` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `awards_year_member_idx` ON `awards` (`year`,`member_id`);--> statement-breakpoint
CREATE TABLE `communities` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`code` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `communities_code_unique` ON `communities` (`code`);--> statement-breakpoint
CREATE TABLE `counters` (
	`name` text PRIMARY KEY NOT NULL,
	`value` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `donations` (
	`id` text PRIMARY KEY NOT NULL,
	`community_id` text,
	`donor_type` text NOT NULL,
	`member_id` text,
	`donor_name` text,
	`kind` text NOT NULL,
	`amount_fen` integer NOT NULL,
	`goods_description` text,
	`goods_quantity` integer,
	`goods_remaining` integer,
	`points_awarded` integer DEFAULT 0 NOT NULL,
	`transaction_id` text NOT NULL,
	`at` text NOT NULL,
	`created_by` text NOT NULL,
	FOREIGN KEY (`community_id`) REFERENCES `communities`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "goods_remaining_non_negative" CHECK("donations"."goods_remaining" IS NULL OR "donations"."goods_remaining" >= 0)
);
--> statement-breakpoint
CREATE INDEX `donations_at_idx` ON `donations` (`id`);--> statement-breakpoint
CREATE TABLE `fund_expenses` (
	`id` text PRIMARY KEY NOT NULL,
	`amount_fen` integer NOT NULL,
	`purpose` text NOT NULL,
	`description` text NOT NULL,
	`receipt_ref` text NOT NULL,
	`approved_by` text NOT NULL,
	`community_id` text,
	`transaction_id` text NOT NULL,
	`at` text NOT NULL,
	`created_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `goods_usages` (
	`id` text PRIMARY KEY NOT NULL,
	`donation_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`wish_id` text,
	`beneficiary_group` text,
	`note` text,
	`at` text NOT NULL,
	`created_by` text NOT NULL,
	FOREIGN KEY (`donation_id`) REFERENCES `donations`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`wish_id`) REFERENCES `wishes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `guards` (
	`code` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `idempotency_keys` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer NOT NULL,
	`body` text NOT NULL,
	`created_at` text NOT NULL,
	PRIMARY KEY(`scope`, `key`)
);
--> statement-breakpoint
CREATE TABLE `ledger_transactions` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`at` text NOT NULL,
	`memo` text DEFAULT '' NOT NULL,
	`reverses_id` text,
	`rule_version` integer,
	`community_id` text,
	`ref_type` text,
	`ref_id` text,
	`created_by` text,
	`prev_hash` text,
	`hash` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_transactions_seq_unique` ON `ledger_transactions` (`seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `ledger_transactions_reverses_id_unique` ON `ledger_transactions` (`reverses_id`);--> statement-breakpoint
CREATE INDEX `ledger_tx_ref_idx` ON `ledger_transactions` (`ref_type`,`ref_id`);--> statement-breakpoint
CREATE TABLE `level_changes` (
	`member_id` text NOT NULL,
	`stars` integer NOT NULL,
	`at` text NOT NULL,
	`transaction_id` text NOT NULL,
	PRIMARY KEY(`member_id`, `stars`),
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `login_attempts` (
	`key` text PRIMARY KEY NOT NULL,
	`window_start` text NOT NULL,
	`failures` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `member_year_stats` (
	`member_id` text NOT NULL,
	`year` integer NOT NULL,
	`community_id` text NOT NULL,
	`points_earned` integer DEFAULT 0 NOT NULL,
	`minutes_served` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`member_id`, `year`),
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `member_year_points_idx` ON `member_year_stats` (`year`,`points_earned`);--> statement-breakpoint
CREATE INDEX `member_year_minutes_idx` ON `member_year_stats` (`year`,`minutes_served`);--> statement-breakpoint
CREATE TABLE `members` (
	`id` text PRIMARY KEY NOT NULL,
	`community_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`phone` text,
	`passbook_seq` integer NOT NULL,
	`passbook_no` text NOT NULL,
	`account_id` text NOT NULL,
	`earned_total` integer DEFAULT 0 NOT NULL,
	`stars` integer DEFAULT 0 NOT NULL,
	`public_opt_out` integer DEFAULT false NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`community_id`) REFERENCES `communities`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `members_passbook_seq_unique` ON `members` (`passbook_seq`);--> statement-breakpoint
CREATE UNIQUE INDEX `members_passbook_no_unique` ON `members` (`passbook_no`);--> statement-breakpoint
CREATE UNIQUE INDEX `members_account_id_unique` ON `members` (`account_id`);--> statement-breakpoint
CREATE INDEX `members_community_idx` ON `members` (`community_id`,`id`);--> statement-breakpoint
CREATE TABLE `merchants` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `postings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`transaction_id` text NOT NULL,
	`account_id` text NOT NULL,
	`asset` text NOT NULL,
	`amount` integer NOT NULL,
	`balance_after` integer NOT NULL,
	FOREIGN KEY (`transaction_id`) REFERENCES `ledger_transactions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `postings_account_idx` ON `postings` (`account_id`,`id`);--> statement-breakpoint
CREATE INDEX `postings_tx_idx` ON `postings` (`transaction_id`);--> statement-breakpoint
CREATE TABLE `rule_versions` (
	`version` integer PRIMARY KEY NOT NULL,
	`points_per_service_hour` integer NOT NULL,
	`points_per_yuan_donated` integer NOT NULL,
	`points_per_wish_fulfilled` integer NOT NULL,
	`star_thresholds` text NOT NULL,
	`title_min_stars` integer NOT NULL,
	`effective_from` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text
);
--> statement-breakpoint
CREATE TABLE `service_records` (
	`id` text PRIMARY KEY NOT NULL,
	`member_id` text NOT NULL,
	`community_id` text NOT NULL,
	`activity_id` text,
	`date` text NOT NULL,
	`minutes` integer NOT NULL,
	`description` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`decided_by` text,
	`decided_at` text,
	`points_awarded` integer,
	`transaction_id` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`community_id`) REFERENCES `communities`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`activity_id`) REFERENCES `activities`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `service_records_community_idx` ON `service_records` (`community_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `service_records_member_idx` ON `service_records` (`member_id`,`date`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` text PRIMARY KEY NOT NULL,
	`username` text NOT NULL,
	`password_hash` text NOT NULL,
	`role` text NOT NULL,
	`community_id` text,
	`member_id` text,
	`merchant_id` text,
	`created_at` text NOT NULL,
	FOREIGN KEY (`community_id`) REFERENCES `communities`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);--> statement-breakpoint
CREATE TABLE `voucher_types` (
	`id` text PRIMARY KEY NOT NULL,
	`merchant_id` text NOT NULL,
	`name` text NOT NULL,
	`points_cost` integer NOT NULL,
	`stock` integer NOT NULL,
	`valid_days` integer NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`merchant_id`) REFERENCES `merchants`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "stock_non_negative" CHECK("voucher_types"."stock" >= 0)
);
--> statement-breakpoint
CREATE TABLE `vouchers` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`voucher_type_id` text NOT NULL,
	`member_id` text NOT NULL,
	`points_cost` integer NOT NULL,
	`status` text NOT NULL,
	`issued_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`closed_at` text,
	`issue_transaction_id` text NOT NULL,
	`close_transaction_id` text,
	FOREIGN KEY (`voucher_type_id`) REFERENCES `voucher_types`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `vouchers_code_unique` ON `vouchers` (`code`);--> statement-breakpoint
CREATE INDEX `vouchers_member_idx` ON `vouchers` (`member_id`,`id`);--> statement-breakpoint
CREATE INDEX `vouchers_status_idx` ON `vouchers` (`status`,`expires_at`);--> statement-breakpoint
CREATE TABLE `wish_events` (
	`id` text PRIMARY KEY NOT NULL,
	`wish_id` text NOT NULL,
	`from_status` text,
	`to_status` text NOT NULL,
	`actor_user_id` text,
	`at` text NOT NULL,
	`note` text,
	FOREIGN KEY (`wish_id`) REFERENCES `wishes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `wish_events_wish_idx` ON `wish_events` (`wish_id`,`id`);--> statement-breakpoint
CREATE TABLE `wishes` (
	`id` text PRIMARY KEY NOT NULL,
	`community_id` text NOT NULL,
	`title` text NOT NULL,
	`description` text NOT NULL,
	`kind` text NOT NULL,
	`estimated_value_fen` integer,
	`beneficiary_group` text NOT NULL,
	`beneficiary_name` text NOT NULL,
	`beneficiary_contact` text,
	`deadline` text,
	`status` text NOT NULL,
	`claimed_by` text,
	`claimed_at` text,
	`claim_deadline` text,
	`fulfilled_at` text,
	`fulfil_note` text,
	`goods_value_fen` integer,
	`confirmed_at` text,
	`satisfaction` integer,
	`feedback` text,
	`points_awarded` integer,
	`transaction_id` text,
	`created_by` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`community_id`) REFERENCES `communities`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`claimed_by`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `wishes_community_idx` ON `wishes` (`community_id`,`id`);--> statement-breakpoint
CREATE INDEX `wishes_status_idx` ON `wishes` (`status`,`claim_deadline`);