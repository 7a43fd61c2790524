// CSV for people who open files in Excel or WPS: UTF-8 with a byte order mark (without it both
// read Chinese text as GBK), CRLF line ends and RFC 4180 quoting. Shared by the API exports and
// the web pages' download links.

export type CsvCell = string | number | null | undefined;

export const CSV_BOM = "\uFEFF";
export const CSV_CONTENT_TYPE = "text/csv; charset=utf-8";

// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection, OWASP);
// a leading apostrophe makes it plain text. Tab and CR are on OWASP's list too. A plain decimal
// number ("-12.50") is not a formula and stays as it is, so amounts remain numbers.
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** One cell: numbers as they are, text defused against formulas and quoted when it has to be. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  const text = FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A whole file: BOM, a header row, then the rows, each line ended by CRLF. */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  const lines = [header, ...rows].map((row) => row.map(csvCell).join(","));
  return CSV_BOM + lines.map((l) => `${l}\r\n`).join("");
}

/** Integer fen as yuan text ("1234.05", "-0.50"), without floating point. */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new Error(`not an integer amount of fen: ${fen}`);
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

/** `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266), for downloads. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^A-Za-z0-9._-]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
