// The ledger page's verifier, run in the reader's browser. It checks the signed checkpoint
// (/v1/public/checkpoint) with the verifier key the page shows, downloads the whole public
// ledger page by page, recomputes every V2 chain hash and every Merkle leaf with WebCrypto, and
// compares the tree's root with the signed one; it checks zero sums per asset, exact single
// reversals and the system balances' signs, and remembers the last checkpoint it verified in
// this browser, so a later run checks the consistency proof between the two. The formats are
// those of docs/LEDGER-FORMAT.md (src/ledger/leaf.ts, merkle.ts, note.ts, audit.ts). It is the
// bank's own script, and the page says so: a bank that lies could change it; the command-line
// verifier is the independent check. Plain ES2020 in a constant string: the page's CSP allows
// exactly this text by its hash, and no bundler can rewrite it. Messages come from the
// element's data-messages, the key from its data-key.

import { recordKinds } from "../vocabulary";

export const VERIFIER_SCRIPT = `(() => {
  const RECORD_KINDS = ${JSON.stringify(recordKinds)};
  const root = document.getElementById("verifier");
  if (!root) return;
  const button = root.querySelector("button");
  const out = root.querySelector(".verify-status");
  const msg = JSON.parse(root.getAttribute("data-messages"));
  const vkey = root.getAttribute("data-key") || "";
  const fill = (t, v) => t.replace(/\\{(\\w+)\\}/g, (_, k) => String(v[k]));
  const enc = new TextEncoder();
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
  const unhex = (h) => new Uint8Array((h.match(/../g) || []).map((b) => parseInt(b, 16)));
  const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const cat = (...parts) => {
    const o = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let i = 0;
    for (const p of parts) { o.set(p, i); i += p.length; }
    return o;
  };
  const sha = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const byUtf8 = (a, b) => {
    const x = enc.encode(a), y = enc.encode(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
    return x.length - y.length;
  };
  const chainText = (tx, prev) =>
    ["LSB-LEDGER-V2", "seq=" + tx.seq, "id=" + tx.id, "at=" + tx.at, "kind=" + tx.kind, "reverses=" + (tx.reversesId || "")]
      .concat(tx.postings.map((p) => "posting=" + p.account + "|" + p.asset + "|" + p.amount).sort())
      .concat(["prev=" + prev])
      .join("\\n");
  const leafText = (tx) =>
    ["LSB-LEAF-V3", "seq=" + tx.seq, "id=" + tx.id, "at=" + tx.at, "kind=" + tx.kind, "reverses=" + (tx.reversesId || "")]
      .concat(tx.postings.map((p) => "posting=" + p.account + "|" + p.asset + "|" + p.amount + "|" + (p.commitment || "")).sort(byUtf8))
      .concat(Object.keys(tx.facts || {}).map((n) => "fact=" + n + "=" + JSON.stringify(tx.facts[n])).sort(byUtf8))
      .concat(Object.keys(tx.withdrawable || {}).map((n) => "commit=" + n + "=" + tx.withdrawable[n].commitment).sort(byUtf8))
      .join("\\n");
  const node = (l, r) => sha(cat(new Uint8Array([1]), l, r));
  const rootOf = async (edge) => {
    if (!edge.length) return sha(new Uint8Array(0));
    let acc = edge[edge.length - 1];
    for (let i = edge.length - 2; i >= 0; i--) acc = await node(edge[i], acc);
    return acc;
  };
  // RFC 9162 2.1.4.2
  async function consistent(m, n, r1, r2, proof) {
    if (m === n) return proof.length === 0 && same(r1, r2);
    const p = (m & (m - 1)) === 0 ? [r1].concat(proof) : proof.slice();
    if (!p.length) return false;
    let fn = m - 1, sn = n - 1;
    while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    let fr = p[0], sr = p[0];
    for (const c of p.slice(1)) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        fr = await node(c, fr); sr = await node(c, sr);
        if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else sr = await node(sr, c);
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 && same(fr, r1) && same(sr, r2);
  }
  async function openCheckpoint(note) {
    const a = vkey.indexOf("+"), b = vkey.indexOf("+", a + 1);
    const name = vkey.slice(0, a), id = vkey.slice(a + 1, b), raw = unb64(vkey.slice(b + 1));
    const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    const split = note.lastIndexOf("\\n\\n");
    const text = note.slice(0, split + 1);
    for (const line of note.slice(split + 2, -1).split("\\n")) {
      const m = /^\\u2014 (\\S+) (\\S+)$/.exec(line);
      if (!m || m[1] !== name) continue;
      const sig = unb64(m[2]);
      if (hex(sig.slice(0, 4)) !== id) continue;
      if (!(await crypto.subtle.verify("Ed25519", key, sig.slice(4), enc.encode(text)))) continue;
      const lines = text.split("\\n");
      if (lines[0] !== name) return null;
      return { size: Number(lines[1]), root: unb64(lines[2]) };
    }
    return null;
  }
  const SIGNS = [[/^(fund:cash|goods:stock|points:vouchers_outstanding|points:wish_pool|member|goods:distributed|points:retired)$|^fund:spending:/, 1], [/^(points:issuer|goods:donated)$|^fund:income:/, -1]];
  const storeKey = "lsb-ledger-checkpoint:" + vkey;
  const remembered = () => {
    try { return JSON.parse(localStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
  };
  const remember = (cp) => {
    try { localStorage.setItem(storeKey, JSON.stringify({ size: cp.size, root: hex(cp.root) })); } catch (e) { /* storage refused: nothing remembered */ }
  };
  const show = (state, text) => {
    out.setAttribute("data-state", state);
    out.textContent = text;
  };
  const get = async (url, asText) => {
    const res = await fetch(url, { headers: { accept: asText ? "text/plain" : "application/json" } });
    if (!res.ok) throw new Error("HTTP " + res.status);
    return asText ? res.text() : res.json();
  };
  async function verify() {
    button.disabled = true;
    show("running", msg.running);
    let prev = "0".repeat(64);
    let lastSeq = 0;
    let cursor = null;
    const fail = (problem, seq) => show("broken", seq ? fill(msg.brokenAt, { seq, problem: msg[problem] }) : fill(msg.brokenLog, { problem: msg[problem] }));
    try {
      const cp = await openCheckpoint(await get("/v1/public/checkpoint", true));
      if (!cp) return fail("checkpoint_signature");
      const old = remembered();
      if (old && old.size > cp.size) return fail("truncated");
      if (old && old.size > 0) {
        const proof = await get("/v1/public/proof/consistency?from=" + old.size + "&to=" + cp.size);
        if (!(await consistent(old.size, cp.size, unhex(old.root), cp.root, proof.path.map(unhex)))) return fail("inconsistent");
      }
      const edge = [];
      const postingsOf = new Map();
      const reversed = new Set();
      const balances = new Map();
      do {
        const page = await get("/v1/public/ledger?limit=1000" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
        for (const tx of page.items) {
          let problem = null;
          if (tx.seq !== lastSeq + 1) problem = "seq_gap";
          else if (tx.prevHash !== prev) problem = "prev_hash_mismatch";
          else if (hex(await sha(enc.encode(chainText(tx, prev)))) !== tx.hash) problem = "hash_mismatch";
          if (problem) {
            show("broken", fill(msg.broken, { seq: tx.seq, id: tx.id, problem: msg[problem] }));
            return;
          }
          const sums = {};
          for (const p of tx.postings) sums[p.asset] = (sums[p.asset] || 0) + p.amount;
          const record = RECORD_KINDS.includes(tx.kind);
          if ((record ? tx.postings.length !== 0 : tx.postings.length < 2) || Object.values(sums).some((s) => s !== 0)) return fail("unbalanced", tx.seq);
          const keys = tx.postings.map((p) => p.account + "|" + p.asset + "|" + p.amount).sort().join(",");
          if (tx.reversesId) {
            const original = postingsOf.get(tx.reversesId);
            const negated = original && original.postings.map((p) => p.account + "|" + p.asset + "|" + -p.amount).sort().join(",");
            if (!original || original.reverses || reversed.has(tx.reversesId) || negated !== keys) return fail("reversal", tx.seq);
            reversed.add(tx.reversesId);
          }
          postingsOf.set(tx.id, { postings: tx.postings, reverses: !!tx.reversesId });
          for (const p of tx.postings) {
            const v = (balances.get(p.account) || 0) + p.amount;
            balances.set(p.account, v);
            const rule = SIGNS.find((r) => r[0].test(p.account));
            if (rule && v * rule[1] < 0) return fail("balance_sign", tx.seq);
          }
          if (tx.seq <= cp.size) {
            let h = await sha(cat(new Uint8Array([0]), enc.encode(leafText(tx))));
            for (let i = tx.seq - 1; i % 2 === 1; i = (i - 1) / 2) h = await node(edge.pop(), h);
            edge.push(h);
          }
          prev = tx.hash;
          lastSeq = tx.seq;
        }
        cursor = page.nextCursor;
      } while (cursor);
      if (lastSeq < cp.size) return fail("log_incomplete");
      if (!same(await rootOf(edge), cp.root)) return fail("root_mismatch");
      remember(cp);
      show("ok", lastSeq ? fill(msg.ok, { n: lastSeq, hash: prev, size: cp.size, root: hex(cp.root) }) : msg.empty);
    } catch (e) {
      show("failed", fill(msg.failed, { error: e && e.message ? e.message : String(e) }));
    } finally {
      button.disabled = false;
    }
  }
  button.addEventListener("click", verify);
  button.hidden = false;
})();`;
