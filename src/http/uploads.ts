import type { Context } from "hono";
import { MAX_RECEIPT_BYTES } from "../domain/receipts";

// The one /v1 route that takes a file rather than JSON: a receipt, as multipart/form-data. Its
// body may be as large as the file plus the form's envelope; every other body stays at 64 KiB.

/** The largest receipt plus room for the multipart boundaries and headers. */
export const MAX_UPLOAD_BODY_BYTES = MAX_RECEIPT_BYTES + 16 * 1024;

const UPLOAD_PATH = /^\/v1\/fund\/expenses\/[^/]+\/receipts$/;

export const isUpload = (c: Context) => c.req.method === "POST" && UPLOAD_PATH.test(c.req.path);
