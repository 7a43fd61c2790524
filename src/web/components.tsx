import type { Child } from "hono/jsx";
import { type CsvCell, toCsv } from "../domain/csv";
import type { Dict } from "../i18n";

// A table is declared once (its columns) and rendered two ways: as HTML on the page and as the
// CSV file its download link serves, so the two always hold the same figures.

export interface Column<R> {
  label: (d: Dict) => string;
  /** The cell as data: what the CSV holds, and the page shows unless `html` says otherwise. */
  cell: (row: R, d: Dict) => CsvCell;
  html?: (row: R, d: Dict) => Child;
  num?: boolean;
  /** Short values (dates, codes) that read badly when broken across lines. */
  nowrap?: boolean;
}

const cellClass = (c: { num?: boolean; nowrap?: boolean }) => (c.num ? "num" : c.nowrap ? "nowrap" : undefined);

export interface TableDef<R> {
  /** Stable name: the CSV file is /csv/<name>.csv. */
  name: string;
  caption: (d: Dict) => string;
  columns: Column<R>[];
}

export const tableCsv = <R,>(def: TableDef<R>, rows: R[], d: Dict): string =>
  toCsv(
    def.columns.map((c) => c.label(d)),
    rows.map((r) => def.columns.map((c) => c.cell(r, d))),
  );

export function DataTable<R>(props: {
  def: TableDef<R>;
  rows: R[];
  d: Dict;
  /** Query string of the CSV link (e.g. the year). */
  query?: string;
  /** Where the CSV download is, when not the public /csv/<name>.csv; null for none. */
  csvHref?: string | null;
  next?: string | null;
  nextHref?: string;
}) {
  const { def, rows, d } = props;
  const id = `t-${def.name}`;
  const csvHref = props.csvHref === undefined ? `/csv/${def.name}.csv${props.query ?? ""}` : props.csvHref;
  return (
    <section>
      <div class="table-wrap" role="region" aria-labelledby={id} tabindex={0}>
        <table>
          <caption id={id} class="vh">
            {def.caption(d)}
          </caption>
          <thead>
            <tr>
              {def.columns.map((c) => (
                <th scope="col" class={cellClass(c)}>
                  {c.label(d)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colspan={def.columns.length}>{d.none}</td>
              </tr>
            ) : (
              rows.map((r) => (
                <tr>
                  {def.columns.map((c) => (
                    <td class={cellClass(c)}>{c.html ? c.html(r, d) : c.cell(r, d)}</td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <div class="table-foot">
        {csvHref === null ? null : (
          <a href={csvHref} download>
            {d.csv}
          </a>
        )}
        {props.next && props.nextHref ? (
          <a href={props.nextHref} rel="next">
            {d.next} →
          </a>
        ) : null}
      </div>
    </section>
  );
}

/**
 * A bar chart drawn on the server as SVG (no script; prints as it shows). Each row has its label
 * and amount above the bar, so it stays readable when a phone scales it down. The figures are
 * also in the table beside it; the SVG carries a title and a description for screen readers.
 */
export function BarChart(props: { id: string; title: string; bars: { label: string; value: number; text: string }[] }) {
  const width = 400;
  const rowH = 46;
  const max = Math.max(1, ...props.bars.map((b) => b.value));
  const height = props.bars.length * rowH;
  const titleId = `${props.id}-title`;
  const descId = `${props.id}-desc`;
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${titleId} ${descId}`} xmlns="http://www.w3.org/2000/svg">
      <title id={titleId}>{props.title}</title>
      <desc id={descId}>{props.bars.map((b) => `${b.label}: ${b.text}`).join("; ")}</desc>
      {props.bars.map((b, i) => {
        const y = i * rowH;
        const w = b.value > 0 ? Math.max(3, Math.round((b.value / max) * width)) : 0;
        return (
          <g>
            <text x="0" y={y + 17}>
              {b.label}
            </text>
            <text x={width} y={y + 17} text-anchor="end">
              {b.text}
            </text>
            <rect x="0" y={y + 24} width={width} height="12" rx="3" fill="#f3e3e3" />
            <rect x="0" y={y + 24} width={w} height="12" rx="3" fill="#a4161a" />
          </g>
        );
      })}
    </svg>
  );
}

export function Stars({ n, d }: { n: number; d: Dict }) {
  return (
    <span class="stars" aria-label={d.starsOf(n)} role="img">
      {"★".repeat(n)}
      {"☆".repeat(Math.max(0, 5 - n))}
    </span>
  );
}
