// The error Server.start throws for problems an admin must fix (config, module options). Apart
// from server.ts so the CLI can recognise it without loading the whole server.
export class StartupError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'StartupError';
  }
}
