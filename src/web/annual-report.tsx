import { Hono } from "hono";
import { etag } from "hono/etag";
import type { BankTime } from "../bank-time";
import { annualReport, type AnnualReport } from "../domain/annual-report";
import type { AppEnv } from "../http/env";
import { z } from "../http/openapi";
import { formatCount, formatDate, formatDateTime, formatHours, formatYuan, type Dict } from "../i18n";
import { DataTable } from "./components";
import { langOf, LangParam, pageQuery, qs, sendPage } from "./page";
import { awardsTable, budgetTable, incomeTable, restrictedDonationsTable } from "./tables";
import { readTogether } from "./together";

// The annual report (年度报告) as a printable page: the same figures as
// GET /v1/public/annual-report, read in one round-trip, Chinese first, English with ?lang=en.
// Printing hides the navigation and the year form (the layout's print stylesheet).

const FIRST_YEAR = 2014;

function Figures(props: { items: [string, string][] }) {
  return (
    <ul class="figures">
      {props.items.map(([name, value]) => (
        <li>
          <span class="n">{value}</span>
          <span class="l">{name}</span>
        </li>
      ))}
    </ul>
  );
}

function Checkpoint({ r, d, time }: { r: AnnualReport; d: Dict; time: BankTime }) {
  const cp = r.checkpoint;
  if (!cp) return <p>{d.annual.checkpointNone}</p>;
  return (
    <div class="checkpoint">
      <p>{cp.size === 0 ? d.annual.checkpointEmpty : d.annual.checkpointAt(cp.size, formatDateTime(cp.sealedAt, time))}</p>
      {cp.yearEnded ? null : <p>{d.annual.checkpointOpen}</p>}
      <p>
        {d.annual.root}: <code class="hash">{cp.rootHash}</code>
      </p>
      <p class="no-print">
        <a href={`/v1/public/checkpoint?size=${cp.size}`}>{d.annual.signed}</a>
      </p>
      <p>{d.annual.verifyHint}</p>
    </div>
  );
}

export const annualReportPage = new Hono<AppEnv>().get("/annual-report", etag(), async (c) => {
  const view = langOf(c);
  const { d } = view;
  const { db, clock } = c.get("deps");
  const time = c.get("time");
  const thisYear = Number(time.today(clock).slice(0, 4));
  const { year: asked } = pageQuery(c, z.strictObject({ year: z.coerce.number().int().min(FIRST_YEAR).max(thisYear).optional(), lang: LangParam }));
  const year = asked ?? thisYear;
  const r = await readTogether(db, (db) => annualReport(db, time, year, clock.now().toISOString()));
  const years = Array.from({ length: thisYear - FIRST_YEAR + 1 }, (_, i) => thisYear - i);
  return sendPage(c, view, {
    access: "public",
    path: "/annual-report",
    title: d.annual.title(year),
    body: (
      <>
        <form method="get" action="/annual-report" class="no-print">
          <div class="field">
            <label for="year">{d.yearLabel}</label>
            <select id="year" name="year">
              {years.map((y) => (
                <option value={String(y)} selected={y === year}>
                  {y}
                </option>
              ))}
            </select>
          </div>
          <button type="submit">{d.show}</button>
        </form>
        <p class="intro">{d.annual.intro}</p>
        <p class="no-print">{d.annual.printHint}</p>
        <section aria-labelledby="annual-fund">
          <h2 id="annual-fund">{d.annual.fundTitle}</h2>
          <Figures
            items={[
              [d.annual.opening, formatYuan(r.fund.openingBalanceFen)],
              [d.annual.income, formatYuan(r.fund.incomeFen)],
              [d.annual.spent, formatYuan(r.fund.spentFen)],
              [d.annual.closing, formatYuan(r.fund.closingBalanceFen)],
            ]}
          />
          <h3>{d.incomeTitle}</h3>
          <DataTable def={incomeTable.def} rows={r.fund.income} d={d} csvHref={null} />
          <h3>{d.budgetTitle}</h3>
          <DataTable def={budgetTable.def} rows={r.fund.spending} d={d} query={qs({ year })} />
        </section>
        <section aria-labelledby="annual-restricted">
          <h2 id="annual-restricted">{d.annual.restrictedTitle}</h2>
          {r.restricted.length ? <DataTable def={restrictedDonationsTable.def} rows={r.restricted} d={d} csvHref={null} /> : <p>{d.annual.restrictedNone}</p>}
        </section>
        <section aria-labelledby="annual-wishes">
          <h2 id="annual-wishes">{d.annual.wishesTitle}</h2>
          <Figures
            items={[
              [d.annual.collected, formatCount(r.wishes.collected)],
              [d.annual.fulfilled, formatCount(r.wishes.fulfilled)],
              [d.annual.serviceHours, formatHours(r.service.minutes)],
              [d.annual.volunteers, formatCount(r.service.volunteers)],
            ]}
          />
        </section>
        <section aria-labelledby="annual-honours">
          <h2 id="annual-honours">{d.annual.honoursTitle}</h2>
          {r.honours.length ? <DataTable def={awardsTable.def} rows={r.honours} d={d} query={qs({ year })} /> : <p>{d.annual.honoursNone}</p>}
        </section>
        <section aria-labelledby="annual-checkpoint">
          <h2 id="annual-checkpoint">{d.annual.checkpointTitle}</h2>
          <Checkpoint r={r} d={d} time={time} />
        </section>
      </>
    ),
  });
});
