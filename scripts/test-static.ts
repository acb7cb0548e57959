/**
 * `npm test`'s static checks: the typecheck and the lint run side by side (each is one busy core, and
 * CI has two), and each one's output is printed whole once it ends, so the two never interleave. Fails
 * if either fails, after both have finished.
 */
import { spawn } from "node:child_process";

interface Check {
  name: string;
  script: string;
}

const CHECKS: Check[] = [
  { name: "typecheck", script: "typecheck" },
  { name: "lint", script: "lint" },
];

function run(check: Check): Promise<boolean> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", check.script], { stdio: ["ignore", "pipe", "pipe"], shell: process.platform === "win32" });
    const output: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => output.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => output.push(chunk));
    child.on("close", (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      const text = Buffer.concat(output).toString("utf8").trim();
      console.log(`npm test: ${check.name} ${code === 0 ? "passed" : `FAILED (exit ${code})`} in ${seconds} s`);
      if (text) console.log(text);
      resolve(code === 0);
    });
  });
}

void Promise.all(CHECKS.map(run)).then((results) => process.exit(results.every(Boolean) ? 0 : 1));
