CREATE TABLE `ledger_checkpoints` (
	`size` integer PRIMARY KEY NOT NULL,
	`root_hash` text NOT NULL,
	`sealed_at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ledger_checkpoints_sealed_idx` ON `ledger_checkpoints` (`sealed_at`);--> statement-breakpoint
CREATE TABLE `ledger_disclosures` (
	`transaction_id` text NOT NULL,
	`name` text NOT NULL,
	`salt` text,
	`value` text,
	`commitment` text,
	`withdrawn_at` text,
	`withdrawn_reason` text,
	PRIMARY KEY(`transaction_id`, `name`),
	FOREIGN KEY (`transaction_id`) REFERENCES `ledger_transactions`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `merkle_nodes` (
	`id` integer PRIMARY KEY NOT NULL,
	`hash` blob NOT NULL
);
--> statement-breakpoint
ALTER TABLE `ledger_transactions` ADD `public_facts` text;--> statement-breakpoint
ALTER TABLE `postings` ADD `salt` text;