CREATE TABLE `guardians` (
	`member_id` text NOT NULL,
	`guardian_member_id` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	PRIMARY KEY(`member_id`, `guardian_member_id`),
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`guardian_member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `guardians_guardian_idx` ON `guardians` (`guardian_member_id`);--> statement-breakpoint
CREATE TABLE `level_withdrawals` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`member_id` text NOT NULL,
	`stars` integer NOT NULL,
	`reached_at` text NOT NULL,
	`at` text NOT NULL,
	`transaction_id` text NOT NULL,
	`reason` text NOT NULL,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `level_withdrawals_member_idx` ON `level_withdrawals` (`member_id`,`id`);--> statement-breakpoint
CREATE TABLE `on_behalf` (
	`transaction_id` text PRIMARY KEY NOT NULL,
	`member_id` text NOT NULL,
	`by_user_id` text NOT NULL,
	`by_guardian_member_id` text,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`by_guardian_member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `pool_grants` (
	`id` text PRIMARY KEY NOT NULL,
	`member_id` text NOT NULL,
	`community_id` text NOT NULL,
	`beneficiary_group` text NOT NULL,
	`points` integer NOT NULL,
	`reason` text NOT NULL,
	`transaction_id` text NOT NULL,
	`at` text NOT NULL,
	`created_by` text NOT NULL,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`community_id`) REFERENCES `communities`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `pool_grants_at_idx` ON `pool_grants` (`at`);--> statement-breakpoint
CREATE TABLE `transfers` (
	`id` text PRIMARY KEY NOT NULL,
	`from_member_id` text NOT NULL,
	`to_member_id` text,
	`points` integer NOT NULL,
	`memo` text,
	`transaction_id` text NOT NULL,
	`at` text NOT NULL,
	`created_by` text NOT NULL,
	FOREIGN KEY (`from_member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`to_member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `transfers_from_idx` ON `transfers` (`from_member_id`,`id`);--> statement-breakpoint
CREATE INDEX `transfers_to_idx` ON `transfers` (`to_member_id`,`id`);--> statement-breakpoint
ALTER TABLE `rule_versions` ADD `points_valid_years` integer;--> statement-breakpoint
ALTER TABLE `rule_versions` ADD `max_balance` integer;--> statement-breakpoint
ALTER TABLE `voucher_types` ADD `per_member_limit` integer;