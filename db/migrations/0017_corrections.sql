CREATE TABLE `member_moves` (
	`id` text PRIMARY KEY NOT NULL,
	`member_id` text NOT NULL,
	`from_community_id` text NOT NULL,
	`to_community_id` text NOT NULL,
	`reason` text,
	`by` text NOT NULL,
	`at` text NOT NULL,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `member_moves_member_idx` ON `member_moves` (`member_id`,`id`);--> statement-breakpoint
CREATE TABLE `passbook_merges` (
	`duplicate_member_id` text PRIMARY KEY NOT NULL,
	`into_member_id` text NOT NULL,
	`points` integer NOT NULL,
	`earned_total` integer NOT NULL,
	`transaction_id` text,
	`reason` text,
	`by` text NOT NULL,
	`at` text NOT NULL,
	FOREIGN KEY (`duplicate_member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`into_member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `reversal_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`transaction_id` text NOT NULL,
	`community_id` text,
	`reason` text NOT NULL,
	`status` text NOT NULL,
	`requested_by` text NOT NULL,
	`requested_at` text NOT NULL,
	`decided_by` text,
	`decided_at` text,
	`decision_note` text,
	`reversal_id` text,
	FOREIGN KEY (`transaction_id`) REFERENCES `ledger_transactions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reversal_requests_one_pending` ON `reversal_requests` (`transaction_id`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `reversal_requests_status_idx` ON `reversal_requests` (`status`,`id`);--> statement-breakpoint
CREATE TABLE `wish_corrections` (
	`id` text PRIMARY KEY NOT NULL,
	`wish_id` text NOT NULL,
	`kind` text NOT NULL,
	`field` text NOT NULL,
	`original` text,
	`replacement` text,
	`reason` text,
	`by` text NOT NULL,
	`at` text NOT NULL,
	FOREIGN KEY (`wish_id`) REFERENCES `wishes`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `wish_corrections_wish_idx` ON `wish_corrections` (`wish_id`,`id`);