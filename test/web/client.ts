import type { TestBank } from "../helpers/setup";

// A browser in miniature for page tests without Chromium: it keeps cookies, sends forms the way a
// browser does (urlencoded, with the page's Origin), and reads hidden fields from the HTML.

export const ORIGIN = "http://localhost";

export interface PageResponse {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
}

export function webClient(bank: TestBank) {
  const jar = new Map<string, string>();
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const [name, value] = [pair!.slice(0, pair!.indexOf("=")), pair!.slice(pair!.indexOf("=") + 1)];
      const expired = attrs.some((a) => /^\s*max-age=0$/i.test(a)) || value === "";
      if (expired) jar.delete(name);
      else jar.set(name, value);
    }
  };
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const send = async (path: string, init: RequestInit & { headers?: Record<string, string> }): Promise<PageResponse> => {
    const headers: Record<string, string> = { ...init.headers };
    if (jar.size && !("cookie" in headers)) headers.cookie = cookieHeader();
    const res = await bank.app.request(path, { ...init, headers });
    remember(res);
    return { status: res.status, headers: res.headers, text: await res.text(), location: res.headers.get("location") };
  };
  return {
    jar,
    get: (path: string, headers: Record<string, string> = {}) => send(path, { method: "GET", headers }),
    post: (path: string, fields: Record<string, string>, headers: Record<string, string> = { origin: ORIGIN }) =>
      send(path, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(fields).toString(),
      }),
    async login(username: string, password: string, next: "passbook" | "merchant" = "passbook") {
      const res = await this.post("/login", { username, password, next });
      if (res.status !== 303) throw new Error(`login failed: ${res.status}`);
      return res;
    },
  };
}

/** The value of a hidden field in a page's HTML. */
export function field(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no field ${name} in the page`);
  return m[1]!;
}

/** The page's text without tags, for reading what a person sees. */
export const visible = (html: string) =>
  html
    .replace(/<style[\s\S]*?<\/style>|<script[\s\S]*?<\/script>/g, "")
    .replace(/<[^>]+>/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/\s+/g, " ");
