import { Hono } from "hono";
import { etag } from "hono/etag";
import { contentDisposition, CSV_CONTENT_TYPE } from "../domain/csv";
import { notFound } from "../errors";
import type { AppEnv } from "../http/env";
import { z } from "../http/openapi";
import { publicSummary } from "../domain/public";
import { BarChart, DataTable, tableCsv } from "./components";
import { formatCount, formatHours, formatYuan, label } from "../i18n";
import { langOf, LangParam, ledgerKeyOf, ListQuery, pageQuery, PUBLIC_MAX_AGE, qs, sendPage, type WebContext } from "./page";
import { story } from "./story";
import {
  activitiesTable,
  awardsTable,
  budgetTable,
  donationsTable,
  expensesTable,
  goodsUseTable,
  incomeTable,
  ledgerTable,
  percentOf,
  publicTables,
  qualityTable,
  rankMinutesTable,
  restrictedDonationsTable,
  rankPointsTable,
  serviceTable,
  spendingTable,
  starCountsTable,
  starMembersTable,
  wishesTable,
  type TableQuery,
} from "./tables";
import { readTogether } from "./together";
import { VERIFIER_SCRIPT } from "./verifier";

// The transparency pages: no login, nothing private, the same bytes for everyone who asks in
// the same language, so they carry Cache-Control and an ETag. Each page reads everything it
// shows in one database round-trip (readTogether).

const PAGE_SIZE = 20;
const LEDGER_PAGE_SIZE = 50;
const FIRST_YEAR = 2014;

const db = (c: WebContext) => c.get("deps").db;
const now = (c: WebContext) => c.get("deps").clock.now().toISOString();
const listQuery = (c: WebContext, limit = PAGE_SIZE): TableQuery => {
  const { cursor } = pageQuery(c, ListQuery);
  return { cursor, limit, year: Number(now(c).slice(0, 4)), at: now(c) };
};

export const publicPaths = ["/", "/wishes", "/service", "/donations", "/fund", "/honours", "/quality", "/ledger", "/annual-report"] as const;

export const publicPages = new Hono<AppEnv>()
  .get("/", etag(), async (c) => {
    const view = langOf(c);
    pageQuery(c, z.strictObject({ lang: LangParam }));
    const s = await publicSummary(db(c));
    const { d } = view;
    const figures: [string, string, string][] = [
      [d.figures.wishesCollected, formatCount(s.wishesCollected), d.unitCount.wishes],
      [d.figures.wishesFulfilled, formatCount(s.wishesFulfilled), d.unitCount.wishes],
      [d.figures.passbooks, formatCount(s.passbooks), d.unitCount.passbooks],
      [d.figures.serviceHours, formatHours(s.serviceMinutes), ""],
      [d.figures.activities, formatCount(s.activities), d.unitCount.activities],
      [d.figures.participants, formatCount(s.participants), d.unitCount.participants],
      [d.figures.fundIncome, formatYuan(s.fund.incomeFen), ""],
      [d.figures.fundSpent, formatYuan(s.fund.spentFen), ""],
      [d.figures.fundBalance, formatYuan(s.fund.balanceFen), ""],
    ];
    const tale = story[view.lang];
    return sendPage(c, view, {
      access: "public",
      path: "/",
      title: d.homeTitle,
      body: (
        <>
          <p class="intro">{d.tagline}</p>
          <section aria-labelledby="figures">
            <h2 id="figures">{d.figuresTitle}</h2>
            <ul class="figures">
              {figures.map(([name, value, unit]) => (
                <li>
                  <span class="n">
                    {value}
                    {unit ? <small> {unit}</small> : null}
                  </span>
                  <span class="l">{name}</span>
                </li>
              ))}
            </ul>
          </section>
          <section class="story" aria-labelledby="story">
            <h2 id="story">{d.storyTitle}</h2>
            <h3>{tale.title}</h3>
            {tale.paragraphs.map((p) => (
              <p>{p}</p>
            ))}
            <p class="source">{d.storySource}</p>
          </section>
        </>
      ),
    });
  })
  .get("/wishes", etag(), async (c) => {
    const view = langOf(c);
    const q = listQuery(c);
    const wishes = await wishesTable.load(db(c), q);
    return sendPage(c, view, {
      access: "public",
      path: "/wishes",
      title: view.d.wishesTitle,
      body: (
        <>
          <p class="intro">{view.d.wishesIntro}</p>
          <DataTable def={wishesTable.def} rows={wishes.items} d={view.d} next={wishes.nextCursor} nextHref={`/wishes${qs({ cursor: wishes.nextCursor })}`} />
        </>
      ),
    });
  })
  .get("/service", etag(), async (c) => {
    const view = langOf(c);
    const q = listQuery(c);
    const [activities, service] = await readTogether(db(c), (db) =>
      Promise.all([activitiesTable.load(db, q), serviceTable.load(db, { ...q, cursor: undefined })]),
    );
    return sendPage(c, view, {
      access: "public",
      path: "/service",
      title: view.d.serviceTitle,
      body: (
        <>
          <h2>{view.d.activitiesTitle}</h2>
          <DataTable
            def={activitiesTable.def}
            rows={activities.items}
            d={view.d}
            next={activities.nextCursor}
            nextHref={`/service${qs({ cursor: activities.nextCursor })}`}
          />
          <h2>{view.d.serviceRecordsTitle}</h2>
          <DataTable def={serviceTable.def} rows={service.items} d={view.d} />
        </>
      ),
    });
  })
  .get("/donations", etag(), async (c) => {
    const view = langOf(c);
    const q = listQuery(c);
    const [donations, uses, restricted] = await readTogether(db(c), (db) =>
      Promise.all([donationsTable.load(db, q), goodsUseTable.load(db, { ...q, cursor: undefined }), restrictedDonationsTable.load(db, q)]),
    );
    return sendPage(c, view, {
      access: "public",
      path: "/donations",
      title: view.d.donationsTitle,
      body: (
        <>
          <p class="intro">{view.d.donationsIntro}</p>
          <DataTable
            def={donationsTable.def}
            rows={donations.items}
            d={view.d}
            next={donations.nextCursor}
            nextHref={`/donations${qs({ cursor: donations.nextCursor })}`}
          />
          <h2>{view.d.restrictedTitle}</h2>
          <p>{view.d.restrictedIntro}</p>
          <DataTable def={restrictedDonationsTable.def} rows={restricted.items} d={view.d} />
          <h2>{view.d.goodsUseTitle}</h2>
          <DataTable def={goodsUseTable.def} rows={uses.items} d={view.d} />
        </>
      ),
    });
  })
  .get("/fund", etag(), async (c) => {
    const view = langOf(c);
    const { d } = view;
    const q = listQuery(c);
    const time = c.get("time");
    const year = Number(time.today(c.get("deps").clock).slice(0, 4));
    const [income, spending, expenses, summary, budget] = await readTogether(db(c), (db) =>
      Promise.all([
        incomeTable.load(db, q),
        spendingTable.load(db, q),
        expensesTable.load(db, q),
        publicSummary(db),
        budgetTable.load(db, { ...q, year, time }),
      ]),
    );
    const bars = <R extends { amountFen: number }>(rows: R[], name: (r: R) => string) =>
      rows.map((r) => ({ label: name(r), value: r.amountFen, text: `¥${formatYuan(r.amountFen)}` }));
    return sendPage(c, view, {
      access: "public",
      path: "/fund",
      title: d.fundTitle,
      body: (
        <>
          <p class="intro">{d.fundIntro}</p>
          <p>
            {d.annual.linkIntro} <a href={`/annual-report${qs({ year })}`}>{d.annual.link}</a>
          </p>
          <ul class="figures">
            <li>
              <span class="n">{formatYuan(summary.fund.incomeFen)}</span>
              <span class="l">{d.figures.fundIncome}</span>
            </li>
            <li>
              <span class="n">{formatYuan(summary.fund.spentFen)}</span>
              <span class="l">{d.figures.fundSpent}</span>
            </li>
            <li>
              <span class="n">{formatYuan(summary.fund.balanceFen)}</span>
              <span class="l">{d.figures.fundBalance}</span>
            </li>
          </ul>
          <div class="cols">
            <div>
              <h2>{d.incomeTitle}</h2>
              <BarChart id="income-chart" title={d.incomeTitle} bars={bars(income.items, (r) => label(d.donorTypes, r.source))} />
              <DataTable def={incomeTable.def} rows={income.items} d={d} />
            </div>
            <div>
              <h2>{d.spendingTitle}</h2>
              <BarChart id="spending-chart" title={d.spendingTitle} bars={bars(spending.items, (r) => label(d.purposes, r.purpose))} />
              <DataTable def={spendingTable.def} rows={spending.items} d={d} />
            </div>
          </div>
          <h2>
            {d.budgetTitle} · {year}
          </h2>
          <BarChart
            id="budget-chart"
            title={`${d.budgetTitle} · ${year}`}
            bars={budget.items.map((l) => ({
              label: label(d.purposes, l.purpose),
              value: l.usedBasisPoints ?? 0,
              text:
                l.budgetFen === null
                  ? `¥${formatYuan(l.actualFen)} · ${d.budgetNone}`
                  : `¥${formatYuan(l.actualFen)} / ¥${formatYuan(l.budgetFen)} · ${l.usedBasisPoints === null ? "" : percentOf(l.usedBasisPoints)}`,
            }))}
          />
          <DataTable def={budgetTable.def} rows={budget.items} d={d} query={qs({ year })} />
          <h2>{d.expensesTitle}</h2>
          <DataTable def={expensesTable.def} rows={expenses.items} d={d} next={expenses.nextCursor} nextHref={`/fund${qs({ cursor: expenses.nextCursor })}`} />
        </>
      ),
    });
  })
  .get("/honours", etag(), async (c) => {
    const view = langOf(c);
    const { d } = view;
    const thisYear = Number(now(c).slice(0, 4));
    const { year } = pageQuery(c, z.strictObject({ year: z.coerce.number().int().min(FIRST_YEAR).max(thisYear).optional(), lang: LangParam }));
    const q: TableQuery = { limit: PAGE_SIZE, year: year ?? thisYear, at: now(c) };
    const [awards, byPoints, byMinutes, counts, stars] = await readTogether(db(c), (db) =>
      Promise.all([
        awardsTable.load(db, q),
        rankPointsTable.load(db, q),
        rankMinutesTable.load(db, q),
        starCountsTable.load(db, q),
        starMembersTable.load(db, { ...q, limit: 50 }),
      ]),
    );
    const years = Array.from({ length: thisYear - FIRST_YEAR + 1 }, (_, i) => thisYear - i);
    const yq = qs({ year: q.year });
    return sendPage(c, view, {
      access: "public",
      path: "/honours",
      title: `${d.honoursTitle} · ${q.year}`,
      body: (
        <>
          <form method="get" action="/honours" class="no-print">
            <div class="field">
              <label for="year">{d.yearLabel}</label>
              <select id="year" name="year">
                {years.map((y) => (
                  <option value={String(y)} selected={y === q.year}>
                    {y}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit">{d.show}</button>
          </form>
          <h2>{d.awardsTitle}</h2>
          <DataTable def={awardsTable.def} rows={awards.items} d={d} query={yq} />
          <div class="cols">
            <div>
              <h2>{d.rankPointsTitle}</h2>
              <DataTable def={rankPointsTable.def} rows={byPoints.items} d={d} query={yq} />
            </div>
            <div>
              <h2>{d.rankMinutesTitle}</h2>
              <DataTable def={rankMinutesTable.def} rows={byMinutes.items} d={d} query={yq} />
            </div>
          </div>
          <h2>{d.starsTitle}</h2>
          <div class="cols">
            <div>
              <h3>{d.starCountsTitle}</h3>
              <DataTable def={starCountsTable.def} rows={counts.items} d={d} />
            </div>
            <div>
              <h3>{d.starMembersTitle}</h3>
              <DataTable def={starMembersTable.def} rows={stars.items} d={d} />
            </div>
          </div>
        </>
      ),
    });
  })
  .get("/quality", etag(), async (c) => {
    const view = langOf(c);
    pageQuery(c, z.strictObject({ lang: LangParam }));
    const rows = await qualityTable.load(db(c), { limit: PAGE_SIZE, year: 0, at: now(c) });
    return sendPage(c, view, {
      access: "public",
      path: "/quality",
      title: view.d.qualityTitle,
      body: (
        <>
          <p class="intro">{view.d.qualityIntro}</p>
          <DataTable def={qualityTable.def} rows={rows.items} d={view.d} />
        </>
      ),
    });
  })
  .get("/ledger", etag(), async (c) => {
    const view = langOf(c);
    const { d } = view;
    const page = await ledgerTable.load(db(c), listQuery(c, LEDGER_PAGE_SIZE));
    const messages = JSON.stringify(d.verifyScript);
    return sendPage(c, view, {
      access: "public",
      path: "/ledger",
      title: d.ledgerTitle,
      scripts: [VERIFIER_SCRIPT],
      body: (
        <>
          <p class="intro">{d.ledgerIntro}</p>
          <section id="verifier" aria-labelledby="verify-title" data-messages={messages} data-key={(await ledgerKeyOf(c)) ?? ""}>
            <h2 id="verify-title">{d.verifyTitle}</h2>
            <p>
              <button type="button" class="no-print" hidden>
                {d.verifyButton}
              </button>
            </p>
            <p class="verify-status" role="status" aria-live="polite" data-state="idle">
              {d.verifyIdle}
            </p>
            <p class="help">{d.verifyHelp}</p>
          </section>
          <DataTable def={ledgerTable.def} rows={page.items} d={d} next={page.nextCursor} nextHref={`/ledger${qs({ cursor: page.nextCursor })}`} />
        </>
      ),
    });
  })
  .get("/csv/:file{[a-z-]+\\.csv}", etag(), async (c) => {
    const name = c.req.param("file").slice(0, -".csv".length);
    // Own keys only: "constructor.csv" matches the route too, and must not find Object's constructor.
    const table = Object.hasOwn(publicTables, name) ? publicTables[name] : undefined;
    if (!table) throw notFound("Table");
    const thisYear = Number(now(c).slice(0, 4));
    const q = pageQuery(
      c,
      z.strictObject({
        cursor: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(1000).default(1000),
        year: z.coerce.number().int().min(FIRST_YEAR).max(thisYear).default(thisYear),
        lang: LangParam,
      }),
    );
    const view = langOf(c);
    const page = await table.load(db(c), { ...q, at: now(c), time: c.get("time") });
    if (page.nextCursor) {
      c.header("Link", `</csv/${name}.csv${qs({ cursor: page.nextCursor, limit: q.limit, year: q.year })}>; rel="next"`);
    }
    c.header("Content-Type", CSV_CONTENT_TYPE);
    c.header("Content-Disposition", contentDisposition(`${name}${name === "awards" || name.startsWith("rank-") ? `-${q.year}` : ""}.csv`));
    c.header("Cache-Control", view.switched ? "private, no-cache" : `public, max-age=${PUBLIC_MAX_AGE}`);
    c.header("Vary", "Cookie");
    return c.body(tableCsv(table.def, page.items, view.d));
  });
