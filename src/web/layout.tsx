import type { Child } from "hono/jsx";
import type { Dict, Lang } from "../i18n";

// One layout for every page. All styling is this one inline stylesheet (no external assets):
// phone first, wider screens get more columns, and print drops navigation and forms. The CSP
// allows exactly this stylesheet by its hash (see csp.ts), so it must stay a constant.

export const CSS = `
:root{--ink:#1f2328;--muted:#545d68;--accent:#a4161a;--accent-ink:#fff;--soft:#fdf3f2;--line:#d0d7de;--paper:#fffdf6}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--ink);background:#fff;font:16px/1.65 system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Microsoft YaHei","Noto Sans CJK SC","Noto Sans SC",sans-serif}
a{color:#8a1216}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,[tabindex]:focus-visible{outline:3px solid #1f6feb;outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem}
.qr{width:12rem;max-width:100%;margin:0}.qr.large{width:16rem}.qr.small{width:7rem}.qr svg{display:block;width:100%;height:auto}
.code-big code{font-size:1.5rem;letter-spacing:.06em;font-weight:700;word-break:normal;white-space:nowrap}.voucher-card{border-top:4px solid var(--accent)}
.site{background:var(--accent);color:var(--accent-ink)}
.site-inner{max-width:64rem;margin:0 auto;padding:.6rem 1rem;display:flex;flex-wrap:wrap;align-items:center;gap:.25rem 1rem}
.brand{color:#fff;font-weight:700;font-size:1.2rem;text-decoration:none;margin-right:auto}
.brand small{display:block;font-weight:400;font-size:.8rem;opacity:.95}
.lang{color:#fff;border:1px solid #fff;border-radius:1rem;padding:.1rem .7rem;text-decoration:none;font-size:.9rem}
nav.main{background:#7d1114}
nav.main ul{list-style:none;margin:0 auto;padding:0 .5rem;max-width:64rem;display:flex;flex-wrap:wrap}
nav.main a{display:block;color:#fff;text-decoration:none;padding:.5rem .6rem;font-size:.95rem}
nav.main a[aria-current=page]{background:#fff;color:#7d1114;font-weight:700}
main{max-width:64rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.3;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:2rem 0 .75rem;border-bottom:2px solid var(--soft);padding-bottom:.25rem}
h3{font-size:1.05rem;margin:1.25rem 0 .5rem}
p.intro{color:var(--muted);max-width:46rem}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5rem,1fr));gap:.75rem;margin:0;padding:0;list-style:none}
.figures li{border:1px solid var(--line);border-top:4px solid var(--accent);border-radius:.4rem;padding:.6rem .75rem;background:#fff}
.figures .n{display:block;font-size:1.3rem;overflow-wrap:anywhere;font-weight:700;font-variant-numeric:tabular-nums;color:#7d1114}
.figures .l{display:block;color:var(--muted);font-size:.9rem}
.story p{max-width:46rem;text-indent:2em}
.story .source{color:var(--muted);font-size:.9rem;text-indent:0}
.table-wrap{overflow-x:auto;margin:.5rem 0 .25rem;border:1px solid var(--line);border-radius:.4rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
caption{text-align:left;font-weight:700;padding:.5rem .6rem}
th,td{padding:.45rem .6rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--soft);white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nowrap{white-space:nowrap}
.vh{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
td.hash,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.8rem;word-break:break-all}
.table-foot{display:flex;flex-wrap:wrap;gap:1rem;justify-content:space-between;font-size:.9rem;margin-bottom:1rem}
.chart{max-width:40rem;width:100%;height:auto;display:block;margin:.5rem 0}
.chart text{font-size:15px;fill:var(--ink)}
.cols{display:grid;gap:0 2rem}
@media(min-width:50rem){.cols{grid-template-columns:1fr 1fr}}
form{margin:1rem 0}
.field{margin:0 0 .9rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
.help{display:block;color:var(--muted);font-size:.9rem;margin-bottom:.25rem}
input,select{font:inherit;font-size:1rem;padding:.5rem .6rem;border:1px solid #6e7781;border-radius:.3rem;width:100%;max-width:22rem;background:#fff;color:var(--ink)}
label.check{display:flex;gap:.5rem;align-items:center;font-weight:400}
label.check input{width:auto;margin:0}
input.code{font-family:ui-monospace,Menlo,Consolas,monospace;letter-spacing:.08em;text-transform:uppercase}
button{font:inherit;font-weight:600;padding:.5rem 1.2rem;border:0;border-radius:.3rem;background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#8a1216;border:1px solid #8a1216}
.inline{display:inline}
.notice,.error{border-radius:.4rem;padding:.6rem .8rem;margin:1rem 0;max-width:46rem}
.notice{background:#e9f5ec;border:1px solid #2b7a3d;color:#14532d}
.error{background:#fdecec;border:1px solid #a4161a;color:#6b0f12}
.verify-status{font-weight:600}
.verify-status[data-state=ok]{color:#14532d}
.verify-status[data-state=broken]{color:#8a1216}
.stars{color:#9a3412;letter-spacing:.1em}
.passbook{background:var(--paper);border:3px double var(--accent);border-radius:.5rem;padding:1rem;margin:1rem 0}
.passbook h2{margin-top:0;text-align:center;letter-spacing:.3em;border:0;color:#7d1114;font-family:"Noto Serif CJK SC","Songti SC",SimSun,serif}
.passbook dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0}
.passbook dt{color:var(--muted)}
.passbook dd{margin:0;font-weight:600}
.userbar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}
nav.console ul{list-style:none;margin:.5rem 0 1rem;padding:0;display:flex;flex-wrap:wrap;gap:.25rem}
nav.console a{display:block;padding:.35rem .7rem;border:1px solid #8a1216;border-radius:1rem;text-decoration:none;font-size:.95rem}
nav.console a[aria-current=page]{background:#8a1216;color:#fff}
.worklist ul{padding-left:1.2rem}
.count{display:inline-block;min-width:1.6rem;padding:0 .4rem;border-radius:1rem;background:var(--soft);color:#7d1114;text-align:center;font-size:.95rem}
ul.cards{list-style:none;padding:0;margin:.5rem 0;display:grid;gap:.6rem}
.card{border:1px solid var(--line);border-radius:.4rem;padding:.6rem .8rem;background:#fff}
.card h3{margin:0 0 .25rem}
.card p{margin:.2rem 0}
.badge{display:inline-block;padding:0 .5rem;border-radius:.8rem;background:#7d1114;color:#fff;font-size:.85rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-end}
.actions form{margin:.25rem 0}
.actions .field{margin-bottom:.4rem}
form.filter{display:flex;flex-wrap:wrap;gap:.5rem;align-items:flex-end}
form.filter .field{margin:0}
input.minutes{max-width:7rem}
table.roster label{font-weight:400;margin:0}
.certificate{max-width:46rem;margin:1rem 0;padding:1.5rem 1.25rem;border:3px double var(--accent);background:var(--paper);font-family:"Noto Serif CJK SC","Songti SC",SimSun,serif}
.certificate h2,.cert-verify h2{text-align:center;letter-spacing:.4em;font-size:1.7rem;border:0;color:#7d1114;margin:0 0 1rem}
.cert-no{text-align:right;font-size:.95rem;margin:0}
.cert-text{text-indent:2em}
.cert-figures,.cert-issuer{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:.75rem 0}
.cert-figures dt,.cert-issuer dt{color:var(--muted)}
.cert-figures dd,.cert-issuer dd{margin:0;font-weight:600}
.backfill{display:block;font-weight:400;font-size:.9rem}
.blank{display:inline-block;min-width:10em;border-bottom:1px solid var(--ink)}
.cert-foot{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:flex-end;gap:1rem;margin-top:1.5rem}
.seal{width:42mm;height:42mm;border:1px dashed #8c959f;border-radius:50%;display:flex;align-items:center;justify-content:center;color:var(--muted)}
.cert-qr{display:flex;gap:.5rem;align-items:flex-end;font-size:.8rem;max-width:20rem}
.cert-qr .url{word-break:break-all}
.cert-status{font-weight:700;padding:.5rem .8rem;border-radius:.4rem;max-width:46rem}
.cert-status.valid{background:#e9f5ec;color:#14532d;border:1px solid #2b7a3d}
.cert-status.revoked,.cert-status.changed{background:#fdecec;color:#6b0f12;border:1px solid #a4161a}
.changed-line{color:#8a1216}
footer{max-width:64rem;margin:2rem auto 0;padding:1rem;color:var(--muted);font-size:.85rem;border-top:1px solid var(--line)}
footer .ledger-key code{word-break:break-all}
@page{size:A4;margin:14mm}
@media print{
  body{font-size:11pt;color:#000}
  .site,nav.main,.skip,.lang,form,.no-print,.table-foot a,.notice,.error,.userbar,footer{display:none!important}
  main{max-width:none;padding:0}
  a{color:#000;text-decoration:none}
  .table-wrap{overflow:visible;border:0}
  thead{display:table-header-group}
  tr{break-inside:avoid}
  thead th{background:none;border-bottom:1.5px solid #000}
  table{border:1px solid #000}
  th,td{border:.5px solid #555;padding:.2rem .4rem}
  .figures li{border:1px solid #000;break-inside:avoid}
  .passbook{border:4px double #000;background:none;break-inside:avoid}
  .passbook h2{color:#000}
  .print-only{display:block!important}
  main:has(.certificate)>h1{display:none}
  .certificate{max-width:none;margin:0;padding:6mm 4mm;border:0;background:none;font-size:12pt}
  .certificate h2{color:#000;font-size:20pt;margin-bottom:8mm}
  .seal{border:0}
  .cert-status{border:2px solid #000;color:#000;background:none}
}
.print-only{display:none}
`;

export interface LayoutProps {
  d: Dict;
  lang: Lang;
  /** Path of this page, for the current-page mark and the language switch. */
  path: string;
  title: string;
  children: Child;
  /** Scripts allowed by the CSP (their hashes), placed at the end of the body. */
  scripts?: string[];
  /** The verifier key of the ledger's checkpoints, shown on every public page's footer. */
  ledgerKey?: string | null;
}

const navItems = [
  ["/", "home"],
  ["/wishes", "wishes"],
  ["/service", "service"],
  ["/donations", "donations"],
  ["/fund", "fund"],
  ["/honours", "honours"],
  ["/quality", "quality"],
  ["/ledger", "ledger"],
  ["/passbook", "passbook"],
  ["/merchant", "merchant"],
] as const;

export function Layout({ d, lang, path, title, children, scripts = [], ledgerKey }: LayoutProps) {
  const fullTitle = path === "/" ? d.bank : `${title} · ${d.bank}`;
  return (
    <html lang={d.htmlLang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{fullTitle}</title>
        <link rel="icon" href="data:," />
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <a class="skip" href="#main">
          {d.skip}
        </a>
        <header class="site">
          <div class="site-inner">
            <a class="brand" href="/">
              {d.bank}
              <small>{d.tagline}</small>
            </a>
            <a class="lang" href={`${path}?lang=${d.switchLang}`} hreflang={d.switchLang === "en" ? "en" : "zh-CN"} lang={d.switchLang === "en" ? "en" : "zh-CN"}>
              {d.switchTo}
            </a>
          </div>
        </header>
        <nav class="main" aria-label={d.navLabel}>
          <ul>
            {navItems.map(([href, key]) => (
              <li>
                <a href={href} aria-current={href === path ? "page" : undefined}>
                  {d.nav[key]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" data-lang={lang}>
          <h1>{title}</h1>
          {children}
        </main>
        <footer>
          {d.footer}
          {ledgerKey ? (
            <p class="ledger-key">
              {d.ledgerKeyLabel}
              <code>{ledgerKey}</code>
            </p>
          ) : null}
        </footer>
        {scripts.map((s) => (
          <script dangerouslySetInnerHTML={{ __html: s }} />
        ))}
      </body>
    </html>
  );
}
