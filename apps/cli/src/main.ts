import { createRequire } from 'node:module';
import { PruneError, exitCodeOf, isPruneError } from '@prunekit/core';
import { type Command, commandHelp, flag, parseCommand } from './args.js';
import { dataCommand } from './commands/data.js';
import { demoCommand } from './commands/demo.js';
import { describeCommand } from './commands/describe.js';
import { exportCommand } from './commands/export.js';
import { listCommand } from './commands/list.js';
import { mergeCommand } from './commands/merge.js';
import { reportCommand } from './commands/report.js';
import { resumeCommand } from './commands/resume.js';
import { runCommand } from './commands/run.js';
import { sweepCommand } from './commands/sweep.js';
import { type Io, createContext } from './context.js';

/** Every command, in help order. */
export const COMMANDS: readonly Command[] = [
  runCommand,
  resumeCommand,
  sweepCommand,
  mergeCommand,
  reportCommand,
  listCommand,
  describeCommand,
  exportCommand,
  dataCommand,
  demoCommand,
];

/** The CLI's version (from its package.json). */
export function version(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: prunekit <command> [arguments] [options]',
    '',
    'Pruning research on TensorFlow.js: IMP, LRR, masks, signs, rewinding.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Every command takes --help (with an example), --json (JSONL on stdout), --quiet and --debug.',
    'Exit codes: 0 success, 1 a run failed, 2 bad usage, recipe or input.',
    '',
    'Example:',
    '  prunekit demo',
    '  prunekit run lrr --set dataset.options.limit=6000 --set pruning.rounds=3',
    '',
  ].join('\n');
}

/**
 * Run the CLI on `argv` (without `node` and the script) and return the exit code: 0 success,
 * 1 a run failed, 2 bad usage or input (see `exitCodeOf` in `@prunekit/core`). Errors are
 * printed as one paragraph (what, where, how to fix); `--debug` adds the stack trace.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
 * ```
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    if (name === undefined) {
      io.stderr.write(topHelp());
      return 2;
    }
    io.stdout.write(topic ? commandHelp(topic) : topHelp());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version()}\n`);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  let ctx: ReturnType<typeof createContext> | undefined;
  try {
    if (!cmd) {
      throw new PruneError(
        'E_USAGE',
        `unknown command '${name}'; known: ${COMMANDS.map((c) => c.name).join(', ')}`,
        {
          hint: 'see `prunekit --help`',
        },
      );
    }
    const parsed = parseCommand(cmd, rest);
    if (flag(parsed, 'help')) {
      io.stdout.write(commandHelp(cmd));
      return 0;
    }
    ctx = createContext(cmd.name, io, {
      json: flag(parsed, 'json'),
      quiet: flag(parsed, 'quiet'),
      debug: flag(parsed, 'debug'),
    });
    const code = await cmd.run(parsed, ctx);
    ctx.close();
    return code;
  } catch (e) {
    ctx?.close();
    return reportError(e, cmd?.name, io, { json, debug });
  }
}

/** Print an error as one readable paragraph (plus a JSON line with `--json`); return its exit code. */
export function reportError(
  e: unknown,
  command: string | undefined,
  io: Io,
  o: { json: boolean; debug: boolean },
): number {
  const code = exitCodeOf(e);
  const prefix = `prunekit${command ? ` ${command}` : ''}`;
  let text: string;
  if (isPruneError(e)) {
    text = `${prefix}: ${e.message.replace(/\s+$/, '')}${/[.!?)]$/.test(e.message) ? '' : '.'} [${e.code}]`;
  } else {
    const msg = e instanceof Error ? e.message : String(e);
    text = `${prefix}: unexpected error: ${msg}. This is probably a bug in prunekit; rerun with --debug for the stack trace and report it.`;
  }
  io.stderr.write(`${text}\n`);
  if (o.debug) {
    let cur: unknown = e;
    for (let depth = 0; cur && depth < 5; depth++) {
      if (cur instanceof Error && cur.stack) io.stderr.write(`${depth ? 'caused by: ' : ''}${cur.stack}\n`);
      cur = cur instanceof Error ? cur.cause : undefined;
    }
  }
  if (o.json) {
    io.stdout.write(
      `${JSON.stringify({ type: 'error', code: isPruneError(e) ? e.code : 'E_INTERNAL', exitCode: code, message: e instanceof Error ? e.message : String(e), ...(isPruneError(e) && e.where ? { where: e.where } : {}) })}\n`,
    );
  }
  return code;
}
