/**
 * `npm test` runs independent steps side by side: `side-by-side.ts typecheck lint` (each one busy core; CI
 * has two) and `side-by-side.ts --live test:vitest typecheck lint test:build` (the production build Playwright needs, made while
 * Vitest's database tests leave a core idle). The `--live` script streams its output; the others' output is
 * printed whole when each ends, so nothing interleaves. Fails if any fails, after all have finished.
 */
import { spawn } from "node:child_process";

function run(script: string, live: boolean): Promise<boolean> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", script], {
      stdio: live ? "inherit" : ["ignore", "pipe", "pipe"],
      shell: process.platform === "win32",
    });
    const output: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk));
    child.on("close", (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      const text = Buffer.concat(output).toString("utf8").trim();
      console.log(`npm test: ${script} ${code === 0 ? "passed" : `FAILED (exit ${code})`} in ${seconds} s`);
      if (text) console.log(text);
      resolve(code === 0);
    });
  });
}

const args = process.argv.slice(2);
let live: string | undefined;
const scripts: string[] = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--live") live = args[++i];
  else scripts.push(args[i]);
}
if (live) scripts.unshift(live);
if (scripts.length === 0) {
  console.error("usage: side-by-side.ts [--live <script>] <script>...");
  process.exit(2);
}
void Promise.all(scripts.map((script) => run(script, script === live))).then((results) => process.exit(results.every(Boolean) ? 0 : 1));
