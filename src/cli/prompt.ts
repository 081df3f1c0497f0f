// Password input for the CLI: asked twice without echo on a terminal, or read as one line
// from standard input when it is a pipe (for scripts).
import { createInterface } from 'node:readline';
import { CliError, EXIT } from './common.js';

async function readLineFromPipe(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

/**
 * Asks each question in turn without echo and resolves with the answers. One raw-mode session
 * reads them all, so lines typed ahead (or pasted together) within one chunk are not lost.
 * Ctrl-C fails with 'interrupted' (exit 130); Ctrl-D or the end of input fails instead of
 * waiting forever.
 */
function askHidden(questions: readonly string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    const answers: string[] = [];
    let value = '';
    let afterCr = false;
    // Echo off before the prompt shows, or what is typed right after it may be echoed.
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    process.stderr.write(questions[0] ?? '');
    const finish = (err?: Error): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(answers);
    };
    const onEnd = (): void => finish(new Error('cancelled (end of input)'));
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        const skip = afterCr && ch === '\n'; // "\r\n" is one line end
        afterCr = ch === '\r';
        if (skip) continue;
        if (ch === '\r' || ch === '\n') {
          answers.push(value);
          value = '';
          if (answers.length === questions.length) return finish();
          process.stderr.write('\n' + questions[answers.length]);
        } else if (ch === '\u0003') {
          return finish(new CliError('interrupted', EXIT.INTERRUPTED));
        } else if (ch === '\u0004') {
          return finish(new Error('cancelled (end of input)'));
        } else if (ch === '\u007f' || ch === '\b') {
          value = value.slice(0, -1);
        } else {
          value += ch;
        }
      }
    };
    stdin.on('data', onData);
    stdin.on('end', onEnd);
  });
}

export async function readPassword(confirm: boolean): Promise<string> {
  if (!process.stdin.isTTY) return readLineFromPipe();
  const [first = '', second] = await askHidden(confirm ? ['Password: ', 'Repeat password: '] : ['Password: ']);
  if (confirm && first !== second) throw new Error('the passwords do not match');
  return first;
}
