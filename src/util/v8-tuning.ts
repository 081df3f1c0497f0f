// V8 settings for the server process, set when `starling start` begins, before server code runs.
//
// V8 optimises a function once it has run a certain amount of bytecode: its interrupt budget,
// 67,584 by default (Node 20), a figure made for web pages. Much of what a login runs (Node's
// socket, TLS and stream internals as much as Starling's own code) runs a few times per
// connection, so after a start it stays unoptimised for thousands of logins: right when every
// client reconnects at once. Half the budget gets it optimised sooner. Measured with the
// benchmark harness, both builds at once on one core, a fresh process each run
// (docs/performance-log.md, "Warm-up of logins"): 5-7 % less server CPU per login over the STARTTLS
// preset's measured logins and 10-13 % over the plain one's, 2-5 % less over whole runs; chat
// over its first 20 s unchanged. Smaller budgets gave logins no more and cost chat, where the
// hot code is a few functions run very often, 3-10 % more CPU (16,384 and 8,192).
import { setFlagsFromString } from 'node:v8';

export const INTERRUPT_BUDGET = 32_768;

/** Whether node's own command line sets the budget (V8 takes '-' or '_' between words). */
export function budgetOnCommandLine(execArgv: readonly string[]): boolean {
  return execArgv.some((arg) => /^--interrupt[-_]budget(=|$)/.test(arg));
}

/** Applies the server's V8 settings, unless the node command line sets the budget itself. */
export function tuneV8ForServer(execArgv: readonly string[] = process.execArgv): void {
  if (!budgetOnCommandLine(execArgv)) setFlagsFromString(`--interrupt-budget=${INTERRUPT_BUDGET}`);
}
