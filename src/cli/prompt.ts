// Password input for the CLI: asked twice without echo on a terminal, or read as one line
// from standard input when it is a pipe (for scripts).
import { createInterface } from 'node:readline';

async function readLineFromPipe(): Promise<string> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

function askHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let value = '';
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new Error('interrupted'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    const done = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

export async function readPassword(confirm: boolean): Promise<string> {
  if (!process.stdin.isTTY) return readLineFromPipe();
  const first = await askHidden('Password: ');
  if (confirm) {
    const second = await askHidden('Repeat password: ');
    if (first !== second) throw new Error('the passwords do not match');
  }
  return first;
}
