// Starts the real servers the browser tests talk to: the kobo-shelf binary (built by
// `scripts/build.sh`, debug or `--release`) and the test kit (a real S3 server behind a fault proxy).

import { test } from '@playwright/test';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

export const repoRoot = path.resolve(__dirname, '../../..');
/** The debug build; it also generates the test libraries (the same generator in both builds). */
export const debugBinary = path.join(repoRoot, 'target/debug/kobo-shelf');
const testkitBinary = path.join(repoRoot, 'target/debug/kobo-testkit');

/** Every temp folder of this worker (data directories, libraries, buckets) lies under one root,
 * removed when the worker exits: runs leave nothing behind in the system's temp folder. */
const workerRoot = mkdtempSync(path.join(tmpdir(), 'kobo-e2e-'));
process.on('exit', () => rmSync(workerRoot, { recursive: true, force: true }));

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(workerRoot, `${prefix}-`));
}

/** Writes a generated KoboReader.sqlite: the curated demo items, then generated books
 * (`options`: more `demo-db` flags, e.g. `--without-collections`). */
export function generateLibrary(file: string, books: number, seed = 1, options: string[] = []): string {
  execFileSync(debugBinary, ['demo-db', '--out', file, '--books', String(books), '--seed', String(seed), ...options], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return file;
}

/** Waits for a line matching `pattern` on a stream; resolves with the match. */
function waitForLine(stream: NodeJS.ReadableStream, pattern: RegExp, what: string, log: string[]): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: stream });
    const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${log.join('\n')}`)), 20_000);
    lines.on('line', (line) => {
      log.push(line);
      const match = line.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
}

export interface App {
  url: string;
  dataDir: string;
  log: string[];
  stop(): void;
}

/**
 * The server binary under test: the Playwright project `release` runs what users deploy
 * (`target/release/kobo-shelf`, which serves the wasm-opt'd bundle built into it under
 * content-hashed names), every other project the debug build.
 */
function appBinary(): string {
  return test.info().project.name === 'release' ? path.join(repoRoot, 'target/release/kobo-shelf') : debugBinary;
}

/** Starts kobo-shelf with its own data directory and the given settings. */
export async function startApp(env: Record<string, string> = {}, dataDir = tempDir('data')): Promise<App> {
  const child = spawn(appBinary(), [], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      RUST_LOG: 'info',
      LEPTOS_SITE_ADDR: '127.0.0.1:0',
      KOBO_SHELF_CONFIG: '/dev/null',
      KOBO_SHELF_DATA_DIR: dataDir,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const log: string[] = [];
  const match = await waitForLine(child.stderr!, /listening on (http:\/\/[0-9.:]+)/, 'kobo-shelf', log);
  return { url: match[1], dataDir, log, stop: () => stop(child) };
}

function stop(child: ChildProcess) {
  if (child.exitCode === null) child.kill('SIGKILL');
}

export interface Faults {
  status?: number;
  delay_ms?: number;
  refuse?: boolean;
  body?:
    | { kind: 'none' }
    | { kind: 'cut' | 'truncate' | 'stall'; fraction: number }
    | { kind: 'throttle'; bytes_per_sec: number };
}

export interface Testkit {
  proxy: string;
  key: string;
  /** The settings that point kobo-shelf at this bucket, through the fault proxy. */
  appEnv: Record<string, string>;
  upload(file: string, key?: string): Promise<void>;
  setObjectAge(secondsAgo: number, key?: string): Promise<void>;
  setFaults(faults: Faults): Promise<void>;
  stats(): Promise<{ requests: number; head_object: number; get_object: number }>;
  stop(): void;
}

async function control(proxy: string, method: string, route: string, body?: unknown) {
  const response = await fetch(`${proxy}/__testkit/${route}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`testkit ${route}: ${text}`);
  return JSON.parse(text);
}

export async function startTestkit(): Promise<Testkit> {
  const root = tempDir('bucket');
  const child = spawn(testkitBinary, ['--root', root], { stdio: ['ignore', 'pipe', 'inherit'] });
  const log: string[] = [];
  const match = await waitForLine(child.stdout!, /^(\{.*\})$/, 'kobo-testkit', log);
  const ready = JSON.parse(match[1]);
  const proxy: string = ready.proxy;
  return {
    proxy,
    key: ready.key,
    appEnv: {
      KOBO_SHELF_SOURCE: `s3://${ready.bucket}/${ready.key}`,
      KOBO_SHELF_S3_ENDPOINT: proxy,
      KOBO_SHELF_S3_ACCESS_KEY_ID: ready.access_key,
      KOBO_SHELF_S3_SECRET_ACCESS_KEY: ready.secret_key,
      KOBO_SHELF_CHECK_INTERVAL_SECS: '0',
      KOBO_SHELF_STALL_TIMEOUT_SECS: '10',
      // Copies of the archive are tested by the Rust suite (tests/it/replica.rs); here their
      // requests would be counted with the sync's.
      KOBO_SHELF_ARCHIVE_REPLICA: 'off',
    },
    upload: (file, key = ready.key) => control(proxy, 'POST', 'upload', { key, file }),
    setObjectAge: (secondsAgo, key = ready.key) =>
      control(proxy, 'POST', 'object-time', { key, seconds_ago: secondsAgo }),
    setFaults: (faults) => control(proxy, 'PUT', 'faults', faults),
    stats: () => control(proxy, 'GET', 'stats'),
    stop: () => {
      stop(child);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface SyncStatus {
  status: 'idle' | 'checking' | 'downloading' | 'completed' | 'up_to_date' | 'error';
  is_syncing: boolean;
  error: string | null;
  db_version: string | null;
  progress: number;
}

/** Waits until the server has logged a line matching `pattern`. */
export async function waitForLog(app: App, pattern: RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!app.log.some((line) => pattern.test(line))) {
    if (Date.now() > deadline) throw new Error(`no log line ${pattern}:\n${app.log.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function syncStatus(app: App): Promise<SyncStatus> {
  const response = await fetch(`${app.url}/api/sync-status`);
  return response.json();
}

/** Polls the sync status until `done` holds. */
export async function waitForSync(app: App, done: (s: SyncStatus) => boolean, timeoutMs = 30_000): Promise<SyncStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await syncStatus(app);
    if (done(status)) return status;
    if (Date.now() > deadline) throw new Error(`sync did not end: ${JSON.stringify(status)}\n${app.log.join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
