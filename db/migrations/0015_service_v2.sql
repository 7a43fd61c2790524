CREATE TABLE `activity_checkins` (
	`activity_id` text NOT NULL,
	`member_id` text NOT NULL,
	`checked_in_at` text NOT NULL,
	`checked_out_at` text,
	`record_id` text,
	PRIMARY KEY(`activity_id`, `member_id`),
	FOREIGN KEY (`activity_id`) REFERENCES `activities`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `certificates` (
	`id` text PRIMARY KEY NOT NULL,
	`number` text NOT NULL,
	`member_id` text NOT NULL,
	`community_id` text NOT NULL,
	`from_date` text NOT NULL,
	`to_date` text NOT NULL,
	`minutes` integer NOT NULL,
	`facts` text NOT NULL,
	`record_ids` text NOT NULL,
	`issued_at` text NOT NULL,
	`issued_by` text NOT NULL,
	`revoked_at` text,
	`revoked_by` text,
	`revoke_reason` text,
	FOREIGN KEY (`member_id`) REFERENCES `members`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`community_id`) REFERENCES `communities`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `certificates_number_unique` ON `certificates` (`number`);--> statement-breakpoint
CREATE INDEX `certificates_member_idx` ON `certificates` (`member_id`,`id`);--> statement-breakpoint
CREATE TABLE `service_categories` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`name` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `service_categories_code_unique` ON `service_categories` (`code`);--> statement-breakpoint
ALTER TABLE `activities` ADD `start_at` text;--> statement-breakpoint
ALTER TABLE `activities` ADD `end_at` text;--> statement-breakpoint
ALTER TABLE `activities` ADD `category_id` text REFERENCES service_categories(id);--> statement-breakpoint
ALTER TABLE `activities` ADD `capacity` integer;--> statement-breakpoint
ALTER TABLE `activities` ADD `checkin_code` text;--> statement-breakpoint
ALTER TABLE `activities` ADD `checkin_code_expires_at` text;--> statement-breakpoint
ALTER TABLE `members` ADD `service_minutes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `rule_versions` ADD `category_rates` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `rule_versions` ADD `require_second_approver` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `rule_versions` ADD `backfill_earns_points` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `rule_versions` ADD `max_minutes_per_day` integer;--> statement-breakpoint
ALTER TABLE `service_records` ADD `method` text DEFAULT 'staff_entry' NOT NULL;--> statement-breakpoint
ALTER TABLE `service_records` ADD `category_id` text REFERENCES service_categories(id);--> statement-breakpoint
ALTER TABLE `service_records` ADD `evidence_ref` text;--> statement-breakpoint
ALTER TABLE `service_records` ADD `reversal_id` text;--> statement-breakpoint
CREATE INDEX `service_records_activity_idx` ON `service_records` (`activity_id`,`member_id`);