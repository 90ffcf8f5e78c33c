// Fails the build when the console grows past its budget: 150 KB gzipped, every file that the
// browser loads (dist/, all of it), each gzipped at level 9 as a server or CDN would.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

export const BUDGET_BYTES = 150 * 1024;
const dist = fileURLToPath(new URL("../dist/", import.meta.url));

/** Every file under dist/ with its raw and gzipped size. */
export function consoleFiles(dir = dist) {
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((file) => statSync(join(dir, file)).isFile())
    .sort()
    .map((file) => {
      const bytes = readFileSync(join(dir, file));
      return { file, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = consoleFiles();
  const total = files.reduce((sum, f) => sum + f.gzip, 0);
  for (const f of files) {
    process.stdout.write(
      `${f.file.padEnd(36)} ${String(f.raw).padStart(8)} B  ${String(f.gzip).padStart(7)} B gzipped\n`,
    );
  }
  const kb = (n) => (n / 1024).toFixed(1);
  process.stdout.write(`console total: ${kb(total)} KB gzipped (budget ${kb(BUDGET_BYTES)} KB)\n`);
  if (total > BUDGET_BYTES) {
    process.stderr.write(`the console is over its size budget by ${kb(total - BUDGET_BYTES)} KB\n`);
    process.exit(1);
  }
}
