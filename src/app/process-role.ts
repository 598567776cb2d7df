// What this process was started as (e.g. "start", "roasters import"), shown to other
// processes that find the embedded database in use. Set once by the CLI.
let current = "library";

export function setProcessCommand(command: string): void {
  current = command;
}

export function processCommand(): string {
  return current;
}
