import type { App } from "../app";

export interface CallResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

/** Calls the app in process, as a client would over HTTP (used by demo data and tests). */
export function caller(app: App) {
  return async function call<T = any>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<CallResult<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    // A form (a receipt upload) goes as multipart/form-data, its boundary set by the Request.
    const form = opts.body instanceof FormData;
    if (opts.body !== undefined && !form) headers["content-type"] ??= "application/json";
    const res = await app.request(path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : form || typeof opts.body === "string" ? (opts.body as BodyInit) : JSON.stringify(opts.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text (pages, CSV)
    }
    return { status: res.status, body: body as T, headers: res.headers };
  };
}

export type Call = ReturnType<typeof caller>;
