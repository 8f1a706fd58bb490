#!/usr/bin/env node
/**
 * The meshless command line. Also installed as kubectl-meshless, so that it runs
 * as `kubectl meshless ...`.
 */
import { basename } from 'node:path';
import { COLOR_MODES, EXIT, colourFor, exitCodeOf, type ColorMode, type Io } from './common.js';
import { nearest } from '../model/suggest.js';
import { MeshlessError } from '../model/errors.js';
import { VERSION } from '../version.js';

type Command = (args: readonly string[], io: Io) => Promise<number>;

/**
 * Each command's module is loaded when it runs: a command pays only for what it
 * uses (serve does not load the guard's server, reach does not load the UI's),
 * which is time to the first answer — and to `serve`'s first picture.
 */
const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  reach: { load: async () => (await import('./reach.js')).runReach, summary: 'who may talk to whom: every allowed connection' },
  explain: { load: async () => (await import('./explain.js')).runExplain, summary: 'why one connection is allowed or denied, rule by rule' },
  diff: { load: async () => (await import('./diff.js')).runDiff, summary: 'what a change opens or closes, and the findings it introduces or resolves' },
  audit: { load: async () => (await import('./audit.js')).runAuditCommand, summary: 'the four controls, checked, with a fix for every finding' },
  checks: { load: async () => (await import('./checks.js')).runChecksCommand, summary: 'list every check audit runs' },
  init: { load: async () => (await import('./init.js')).runInit, summary: 'write a commented starter meshless.yaml' },
  generate: { load: async () => (await import('./generate.js')).runGenerate, summary: 'write the whole mesh-free platform from meshless.yaml' },
  schema: { load: async () => (await import('./schema.js')).runSchema, summary: 'print the JSON Schema of meshless.yaml' },
  serve: { load: async () => (await import('./serve.js')).runServe, summary: 'a local web UI: the controls, the graph, explanations, diff mode' },
  report: { load: async () => (await import('./report.js')).runReport, summary: 'a self-contained HTML evidence report for auditors' },
  migrate: { load: async () => (await import('./migrate.js')).runMigrate, summary: 'leave ingress-nginx for Envoy Gateway or Traefik, with authentication kept and proved' },
  guard: { load: async () => (await import('./guard.js')).runGuard, summary: 'the admission webhook: enforce at creation what audit reports (serve, --check, manifests)' },
};

function usage(prog: string): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    `Usage: ${prog} COMMAND [options] PATH...`,
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Global options:',
    '  --color auto|always|never  colour in tables (auto: on a terminal, unless NO_COLOR is set)',
    '',
    `Run ${prog} COMMAND --help for a command's options.`,
  ].join('\n');
}

/**
 * `--color auto|always|never` (or `--color=…`), a global flag accepted anywhere
 * before `--`: taken out of the arguments before the command parses them.
 */
function takeColorFlag(argv: readonly string[]): { args: string[]; mode: ColorMode } | { problem: string } {
  const args: string[] = [];
  let mode: ColorMode = 'auto';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (a !== '--color' && !a.startsWith('--color=')) {
      args.push(a);
      continue;
    }
    const value = a === '--color' ? argv[++i] : a.slice('--color='.length);
    if (value === undefined || !(COLOR_MODES as readonly string[]).includes(value)) return { problem: `--color must be one of ${COLOR_MODES.join(', ')} (got ${value === undefined ? 'nothing' : JSON.stringify(value)})` };
    mode = value as ColorMode;
  }
  return { args, mode };
}

export async function main(argv: readonly string[], baseIo: Io): Promise<number> {
  const color = takeColorFlag(argv);
  if ('problem' in color) {
    baseIo.err(`${baseIo.prog}: ${color.problem}`);
    return EXIT.usage;
  }
  const io: Io = { ...baseIo, colour: colourFor(color.mode, baseIo.isTTY, process.env) };
  const [cmd, ...rest] = color.args;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(usage(io.prog));
    return cmd === undefined ? EXIT.usage : EXIT.ok;
  }
  if (cmd === '--version') {
    io.out(`meshless ${VERSION}`);
    return EXIT.ok;
  }
  const command = COMMANDS[cmd];
  if (!command) {
    const near = nearest(cmd, Object.keys(COMMANDS));
    io.err(`${io.prog}: unknown command "${cmd}"${near !== undefined ? `; did you mean ${near}?` : ''}\n\n${usage(io.prog)}`);
    return EXIT.usage;
  }
  try {
    const run = await command.load();
    return await run(rest, io);
  } catch (e) {
    // Adapters map the error's code to an exit code; they never read its message.
    if (e instanceof MeshlessError && e.kind !== 'internal') {
      const help = e.kind === 'usage' ? `\nRun ${io.prog} ${cmd} --help for usage.` : '';
      io.err(`${io.prog} ${cmd}: ${e.message}${e.hint ? `\n${e.hint}` : ''}${help}`);
      return exitCodeOf(e);
    }
    io.err(`${io.prog} ${cmd}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\nThis is a bug in meshless; please report it with the input that caused it.`);
    return EXIT.internal;
  }
}

const invokedAs = basename(process.argv[1] ?? 'meshless');
/** Set when the reader of standard output went away (`meshless reach … | head`): the rest is dropped quietly. */
let stdoutClosed = false;
const io: Io = {
  out: (s) => {
    if (!stdoutClosed) process.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  },
  err: (s) => process.stderr.write(s.endsWith('\n') ? s : `${s}\n`),
  isTTY: process.stdout.isTTY,
  prog: invokedAs.startsWith('kubectl-') ? 'kubectl meshless' : 'meshless',
};

// Run only when executed, not when imported by tests.
const self = process.argv[1] ? basename(process.argv[1]) : '';
if (self === 'main.js' || self === 'main.ts' || self === 'meshless' || self === 'kubectl-meshless') {
  // A closed pipe is the reader saying it has seen enough: no stack trace, the command's own exit code.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stdoutClosed = true;
  });
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`meshless: internal error: ${String(e)}\n`);
      process.exitCode = EXIT.internal;
    },
  );
}
