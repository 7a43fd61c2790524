import { createRoute } from "@hono/zod-openapi";
import { publicLedger, publicSummary } from "../../domain/public";
import { consistencyProof, findCheckpoint, inclusionProof, signedCheckpoint } from "../../ledger/chain";
import { errorResponses, IsoDate, jsonResponse, newRouter, pageOf, z } from "../openapi";
import { assets, transactionKinds } from "../../vocabulary";

const Summary = z
  .object({
    wishesCollected: z.number().int(),
    wishesFulfilled: z.number().int(),
    passbooks: z.number().int(),
    serviceMinutes: z.number().int(),
    activities: z.number().int(),
    participants: z.number().int(),
    fund: z.object({ incomeFen: z.number().int(), spentFen: z.number().int(), balanceFen: z.number().int() }),
  })
  .openapi("PublicSummary");

const Hex = z.string().regex(/^[0-9a-f]{64}$/);

const LedgerTransaction = z
  .object({
    seq: z.number().int(),
    id: z.string(),
    at: z.string(),
    kind: z.enum(transactionKinds),
    reversesId: z.string().nullable(),
    postings: z.array(
      z.object({
        account: z.string(),
        asset: z.enum(assets),
        amount: z.number().int(),
        commitment: Hex.nullable().openapi({ description: "a passbook posting's salted commitment to the passbook number; null on other accounts" }),
      }),
    ),
    facts: z
      .record(z.string(), z.union([z.string(), z.number().int(), z.boolean(), z.null(), z.array(z.string()).readonly()]))
      .openapi({ description: "the public record's plain facts, hashed as they are" }),
    withdrawable: z
      .record(z.string(), z.object({ commitment: Hex, salt: z.string().nullable(), value: z.string().nullable() }))
      .openapi({ description: "withdrawable facts: value and salt while public, only the commitment once withdrawn" }),
    prevHash: z.string(),
    hash: z.string(),
  })
  .openapi("PublishedTransaction");

const InclusionProof = z
  .object({
    seq: z.number().int(),
    size: z.number().int(),
    leafIndex: z.number().int(),
    leafHash: Hex,
    path: z.array(Hex),
    transaction: LedgerTransaction,
  })
  .openapi("InclusionProof");

const ConsistencyProof = z.object({ from: z.number().int(), to: z.number().int(), path: z.array(Hex) }).openapi("ConsistencyProof");

const Count = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const textResponse = (description: string) => ({ content: { "text/plain": { schema: z.string() } }, description });
// A kept checkpoint, a proof between given sizes and the key never change: caches may keep them.
const FOREVER = "public, max-age=31536000, immutable";

const LedgerQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  cursor: z.string().max(200).optional(),
});

export const publicRoutes = newRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/public/summary",
      tags: ["public"],
      summary: "Headline figures of the programme (no login)",
      responses: { 200: jsonResponse(Summary, "Summary") },
    }),
    async (c) => {
      c.header("Cache-Control", "public, max-age=60");
      return c.json(await publicSummary(c.get("deps").db), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/public/ledger",
      tags: ["public"],
      summary: "The published, hash-chained ledger in chain order (no login); see README for the hash input",
      request: { query: LedgerQuery },
      responses: { 200: jsonResponse(pageOf(LedgerTransaction), "Sealed transactions"), 400: errorResponses[400] },
    }),
    async (c) => {
      c.header("Cache-Control", "public, max-age=30");
      return c.json(await publicLedger(c.get("deps").db, c.req.valid("query")), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/public/checkpoint",
      tags: ["public"],
      summary: "The ledger's signed checkpoint (C2SP tlog-checkpoint in a signed note, Ed25519): the latest, or a kept one by size or bank date",
      request: {
        query: z.strictObject({
          size: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
          day: IsoDate.optional().openapi({ description: "the checkpoint at the end of this bank date (BANK_TIME_ZONE)" }),
        }),
      },
      responses: { 200: textResponse("The signed note"), 400: errorResponses[400], 404: errorResponses[404] },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const checkpoint = await findCheckpoint(c.get("deps").db, q, c.get("time"));
      c.header("Cache-Control", q.size !== undefined ? FOREVER : "public, max-age=30");
      return c.text(await signedCheckpoint(await c.get("ledgerSigner")(), checkpoint), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/public/ledger-key",
      tags: ["public"],
      summary: "The verifier key of the ledger's checkpoints (<name>+<key id>+<base64 Ed25519 key>)",
      responses: { 200: textResponse("The verifier key") },
    }),
    async (c) => {
      c.header("Cache-Control", "public, max-age=3600");
      return c.text(`${(await c.get("ledgerSigner")()).verifierKey}\n`, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/public/proof/inclusion",
      tags: ["public"],
      summary: "RFC 9162 audit path of transaction seq (leaf seq − 1) in the tree of size transactions, with the transaction",
      request: { query: z.strictObject({ seq: Count, size: Count }) },
      responses: { 200: jsonResponse(InclusionProof, "Inclusion proof"), 400: errorResponses[400], 404: errorResponses[404] },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const proof = await inclusionProof(c.get("deps").db, q.seq, q.size);
      c.header("Cache-Control", FOREVER);
      return c.json({ ...proof, transaction: { ...proof.transaction, prevHash: proof.transaction.prevHash!, hash: proof.transaction.hash! } }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/public/proof/consistency",
      tags: ["public"],
      summary: "RFC 9162 consistency proof that the tree of from transactions is a prefix of the tree of to",
      request: { query: z.strictObject({ from: Count, to: Count }) },
      responses: { 200: jsonResponse(ConsistencyProof, "Consistency proof"), 400: errorResponses[400], 404: errorResponses[404] },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const proof = await consistencyProof(c.get("deps").db, q.from, q.to);
      c.header("Cache-Control", FOREVER);
      return c.json(proof, 200);
    },
  );
