// Every command is one thin file in src/cli exporting a `Command` as default.
export interface Command {
  name: string;
  /** One line for `flashcrowd --help`. */
  summary: string;
  /** Full help text for `flashcrowd <name> --help`. */
  usage: string;
  /** Returns the process exit code. */
  run(argv: string[]): Promise<number>;
}
