import { bodyLimit } from "hono/body-limit";
import type { ExecutionContext } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { defaultBankTime } from "./bank-time";
import { AppError } from "./errors";
import { newId } from "./ids";
import { coalescingSealer } from "./ledger/chain";
import { generateSignerKey, loadSigner, type LedgerSigner } from "./ledger/note";
import { authenticate } from "./http/auth";
import type { AppDeps } from "./http/env";
import { notFoundHandler, onError } from "./http/errors";
import { idempotency } from "./http/idempotency";
import { isUpload, MAX_UPLOAD_BODY_BYTES } from "./http/uploads";
import { newRouter } from "./http/openapi";
import { accountRoutes } from "./http/routes/accounts";
import { authRoutes } from "./http/routes/auth";
import { correctionRoutes } from "./http/routes/corrections";
import { communityRoutes } from "./http/routes/communities";
import { exportRoutes } from "./http/routes/exports";
import { fundRoutes } from "./http/routes/fund";
import { healthRoutes } from "./http/routes/health";
import { memberRoutes } from "./http/routes/members";
import { merchantRoutes } from "./http/routes/merchants";
import { publicRoutes } from "./http/routes/public";
import { ruleRoutes } from "./http/routes/rules";
import { transactionRoutes } from "./http/routes/transactions";
import { userRoutes } from "./http/routes/users";
import { voucherRoutes } from "./http/routes/vouchers";
import { publicJsonCache } from "./web/cache";
import { docsRoutes } from "./web/docs";
import { pageNotFound, webRoutes } from "./web/routes";
import { wishRoutes } from "./http/routes/wishes";
import { activityRoutes } from "./http/routes/activities";
import { serviceRecordRoutes } from "./http/routes/service-records";
import { certificateRoutes } from "./http/routes/certificates";
import { serviceCategoryRoutes } from "./http/routes/service-categories";
import { donationRoutes } from "./http/routes/donations";
import { rankingRoutes } from "./http/routes/rankings";
import { transferRoutes } from "./http/routes/transfers";
import { worklistRoutes } from "./http/routes/worklist";
import { annualReportRoutes } from "./http/routes/annual-report";

export type { AppDeps };

export const MAX_BODY_BYTES = 64 * 1024;

/** The log name of a bank started without LEDGER_SIGNING_KEY (tests, benchmarks): its key lives as long as the app. */
const EPHEMERAL_LOG_NAME = "localhost/love-savings-bank-unconfigured";

/** Builds the whole app from its dependencies; the Node server, the Worker and the tests all call this. */
export function createApp(deps: AppDeps) {
  const app = newRouter();
  const defer =
    deps.defer ?? ((work: () => Promise<unknown>) => void work().catch((e) => (deps.log ?? console.error)("deferred work failed", e)));

  const seal = coalescingSealer(deps.db, deps.clock);
  const time = deps.bankTime ?? defaultBankTime;
  let signer: Promise<LedgerSigner> | undefined;
  const ledgerSigner = () => (signer ??= deps.ledgerKey !== undefined ? loadSigner(deps.ledgerKey) : generateSignerKey(EPHEMERAL_LOG_NAME).then(loadSigner));

  app.use("*", async (c, next) => {
    let ctx: ExecutionContext | undefined;
    try {
      ctx = c.executionCtx;
    } catch {
      ctx = undefined; // not on Workers: no execution context
    }
    c.set("deps", deps);
    c.set("time", time);
    c.set("ledgerSigner", ledgerSigner);
    // On Workers, Cloudflare's own ray id; elsewhere a header of that name is the client's word.
    c.set("requestId", (ctx && c.req.header("cf-ray")) || newId());
    await next();
    c.header("X-Request-Id", c.get("requestId"));
    // Every committed value-moving write is sealed into the hash chain right after it answers.
    if (c.req.method === "POST" && c.res.status < 300) {
      if (ctx) ctx.waitUntil(seal());
      else defer(seal);
    }
  });
  app.use("*", secureHeaders());
  const limitTo = (maxSize: number, what: string) =>
    bodyLimit({
      maxSize,
      onError: (c) => {
        // The rest of the body is still on its way: the Node server drains it for a moment and
        // then drops the socket, killing the keep-alive client's next request on it. Saying
        // "close" makes the client open a new connection instead.
        c.header("Connection", "close");
        throw new AppError("payload_too_large", `${what} are limited to ${maxSize} bytes`, { max: maxSize });
      },
    });
  const jsonLimit = limitTo(MAX_BODY_BYTES, "Request bodies");
  const uploadLimit = limitTo(MAX_UPLOAD_BODY_BYTES, "Receipt uploads (the file and its form)");
  app.use("/v1/*", (c, next) => (isUpload(c) ? uploadLimit : jsonLimit)(c, next));
  app.use("/v1/*", async (c, next) => {
    const type = c.req.header("content-type");
    // A receipt is a file in a form; the route reads it (src/http/uploads.ts).
    if (isUpload(c)) {
      if (!/^multipart\/form-data\s*;/i.test(type ?? "")) {
        throw new AppError("unsupported_media_type", "Send the receipt as multipart/form-data with the file in the field `file`");
      }
      return next();
    }
    // A POST carries JSON, or nothing at all (state changes such as accept or approve need no
    // body; the validators then see {}). Anything else is refused before it is read.
    const hasBody = type !== undefined || (c.req.header("content-length") ?? "0") !== "0" || c.req.header("transfer-encoding") !== undefined;
    if (c.req.method === "POST" && hasBody) {
      if (!/^application\/json\s*(;|$)/i.test(type ?? "")) {
        throw new AppError("unsupported_media_type", "Send JSON with Content-Type: application/json");
      }
      // Many clients label an empty body as JSON: that is the same as no body.
      if ((await c.req.text()).trim() === "") (c.req.bodyCache as { text?: Promise<string> }).text = Promise.resolve("{}");
    }
    await next();
  });
  app.use("*", authenticate);
  app.use("/v1/*", idempotency);
  app.use("/v1/*", publicJsonCache);

  app
    .route("/", authRoutes)
    .route("/", communityRoutes)
    .route("/", userRoutes)
    .route("/", accountRoutes)
    .route("/", correctionRoutes)
    .route("/", memberRoutes)
    .route("/", exportRoutes)
    .route("/", merchantRoutes)
    .route("/", voucherRoutes)
    .route("/", fundRoutes)
    .route("/", transactionRoutes)
    .route("/", ruleRoutes)
    .route("/", publicRoutes)
    .route("/", wishRoutes)
    .route("/", activityRoutes)
    .route("/", serviceRecordRoutes)
    .route("/", certificateRoutes)
    .route("/", serviceCategoryRoutes)
    .route("/", donationRoutes)
    .route("/", rankingRoutes)
    .route("/", healthRoutes)
    .route("/", transferRoutes)
    .route("/", worklistRoutes)
    .route("/", annualReportRoutes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer", bearerFormat: "JWT" });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Love Savings Bank API (爱心储蓄银行)",
      version: "1.0.0",
      description: "Community volunteer points: micro-wishes, love passbooks, service vouchers and a published fund.",
    },
  });
  app.route("/", docsRoutes);
  app.route("/", webRoutes);

  app.notFound((c) => (c.req.path === "/v1" || c.req.path.startsWith("/v1/") ? notFoundHandler(c) : pageNotFound(c)));
  app.onError(onError);
  return app;
}

export type App = ReturnType<typeof createApp>;
