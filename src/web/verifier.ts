// The ledger page's verifier, run in the reader's browser: it downloads the whole public ledger
// from /v1/public/ledger page by page and recomputes every hash with WebCrypto, using the hash
// input of src/ledger/chain.ts (documented in the README), so it trusts nothing the server says
// about itself. Plain ES2020 in a constant string: the page's CSP allows exactly this text by
// its hash, and no bundler can rewrite it. Messages come from the element's data-messages.

export const VERIFIER_SCRIPT = `(() => {
  const root = document.getElementById("verifier");
  if (!root) return;
  const button = root.querySelector("button");
  const out = root.querySelector(".verify-status");
  const msg = JSON.parse(root.getAttribute("data-messages"));
  const fill = (t, v) => t.replace(/\\{(\\w+)\\}/g, (_, k) => String(v[k]));
  const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");
  const canonical = (tx, prev) =>
    ["LSB-LEDGER-V2", "seq=" + tx.seq, "id=" + tx.id, "at=" + tx.at, "kind=" + tx.kind, "reverses=" + (tx.reversesId || "")]
      .concat(tx.postings.map((p) => "posting=" + p.account + "|" + p.asset + "|" + p.amount).sort())
      .concat(["prev=" + prev])
      .join("\\n");
  const sha256 = async (text) => hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  const show = (state, text) => {
    out.setAttribute("data-state", state);
    out.textContent = text;
  };
  async function verify() {
    button.disabled = true;
    show("running", msg.running);
    let prev = "0".repeat(64);
    let lastSeq = 0;
    let cursor = null;
    try {
      do {
        const url = "/v1/public/ledger?limit=1000" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
        const res = await fetch(url, { headers: { accept: "application/json" } });
        if (!res.ok) throw new Error("HTTP " + res.status);
        const page = await res.json();
        for (const tx of page.items) {
          let problem = null;
          if (tx.seq !== lastSeq + 1) problem = "seq_gap";
          else if (tx.prevHash !== prev) problem = "prev_hash_mismatch";
          else if ((await sha256(canonical(tx, prev))) !== tx.hash) problem = "hash_mismatch";
          if (problem) {
            show("broken", fill(msg.broken, { seq: tx.seq, id: tx.id, problem: msg[problem] }));
            return;
          }
          prev = tx.hash;
          lastSeq = tx.seq;
        }
        cursor = page.nextCursor;
      } while (cursor);
      show("ok", lastSeq ? fill(msg.ok, { n: lastSeq, hash: prev }) : msg.empty);
    } catch (e) {
      show("failed", fill(msg.failed, { error: e && e.message ? e.message : String(e) }));
    } finally {
      button.disabled = false;
    }
  }
  button.addEventListener("click", verify);
  button.hidden = false;
})();`;
