import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

// BENCHMARKS.md is written in blocks, one per benchmark script, between marker comments, so
// `npm run bench` and `npm run bench:growth` each refresh their own figures and leave the other's
// (and the hand-written findings outside the blocks) as they are.

export const QUICK = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";

export const f = (n: number, d = 1) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

export class Report {
  readonly lines: string[] = [];

  log(s = ""): void {
    console.log(s);
    this.lines.push(s);
  }

  /** The machine and the date, for the block's first line. */
  header(command: string): void {
    const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
    this.log(
      `Run by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC: ${cpus().length} × ${cpu}, ${f(totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}.` +
        (QUICK ? " QUICK MODE (reduced sizes): not the published figures." : ""),
    );
    this.log();
  }

  /** Replaces block `name` in `file` (appends it when missing); quick runs only print. */
  write(name: string, file = "BENCHMARKS.md"): void {
    if (QUICK) {
      console.log(`\n(quick mode: ${file} not written)`);
      return;
    }
    const begin = `<!-- bench:${name} begin (written by the script; edit outside the block) -->`;
    const end = `<!-- bench:${name} end -->`;
    const block = `${begin}\n${this.lines.join("\n")}\n${end}`;
    const text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    const next = from >= 0 && to > from ? text.slice(0, from) + block + text.slice(to + end.length) : `${text.trimEnd()}\n\n${block}\n`;
    writeFileSync(file, next);
    console.log(`\nwrote block "${name}" of ${file}`);
  }
}
