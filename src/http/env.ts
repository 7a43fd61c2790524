import type { Context } from "hono";
import type { Principal } from "../auth/tokens";
import type { BankTime } from "../bank-time";
import type { Clock } from "../clock";
import type { Db } from "../db/client";
import type { IdempotencyRecord } from "../db/write";
import type { DocsAssetFile } from "../web/docs";
import type { LedgerSigner } from "../ledger/note";
import type { ReceiptStore } from "../domain/receipts";

/** Everything the app needs from outside, injected by the Node and Worker entries and by tests. */
export interface AppDeps {
  db: Db;
  clock: Clock;
  /** The bank's time zone ("today", service dates, times shown to people); Asia/Shanghai when not given. */
  bankTime?: BankTime;
  jwtSecret: string;
  /** PBKDF2 iterations for new password hashes; at most 100,000 (the Workers limit). */
  passwordIterations?: number;
  /** Days a member has to fulfil a claimed wish before it is released. */
  claimDays?: number;
  /**
   * Runs work after the response where there is no Workers execution context (which uses
   * waitUntil). Defaults to starting it at once, fire-and-forget; tests queue it and run it later.
   */
  defer?: (work: () => Promise<unknown>) => void;
  /**
   * The caller's address for login rate limiting. The Node server passes the socket's address;
   * without it (on Workers) the address is CF-Connecting-IP, which Cloudflare sets itself.
   */
  clientAddress?: (c: Context<AppEnv>) => string | undefined;
  log?: (message: string, detail?: unknown) => void;
  /** The API reader's Swagger UI files, where the app serves them itself (Node); Workers serve them as static assets. */
  docsAsset?: (file: DocsAssetFile) => Promise<string>;
  /** Marks the session cookie Secure (off only for plain-http local runs and tests). */
  secureCookies?: boolean;
  /**
   * The ledger's checkpoint signer key (LEDGER_SIGNING_KEY, src/ledger/note.ts). Without one
   * (tests, benchmarks) the app signs with a key made when it starts.
   */
  ledgerKey?: string;
  /**
   * Where expense receipt files are kept, by their SHA-256: an R2 bucket on Workers, a folder on
   * Node (src/storage/). Without one, the receipt routes answer 500 and say why in the log.
   */
  receipts?: ReceiptStore;
}

export interface AppEnv {
  Variables: {
    deps: AppDeps;
    time: BankTime;
    requestId: string;
    principal: Principal | undefined;
    idempotency: IdempotencyRecord | undefined;
    ledgerSigner: () => Promise<LedgerSigner>;
  };
}
