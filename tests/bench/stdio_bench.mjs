// stdio round-trip benchmark: mcpd against a reference server written with the official
// TypeScript SDK v1 (tests/bench/ts_echo_server.mjs), side by side in one run.
//
// The client is raw newline-delimited JSON-RPC (no SDK client, so the client is not the
// bottleneck). For each server: spawn, initialize handshake, warm up, then
//   (a) tools/call echo, sequential (one in flight): calls/s, latency p50/p99
//   (b) tools/call echo, pipelined (BENCH_DEPTH in flight, default 64): calls/s
//   (c) ping, sequential: round trips/s
// Each phase runs BENCH_ROUNDS times, alternating between the servers (mcpd, ref, ref, mcpd, ...)
// so drift in machine load hits both alike; the best round is reported with the spread. Every loop
// is bounded by count AND time. Every response is verified (id, no error, echoed text in
// structuredContent and in the text block): one wrong answer makes the run exit 1. Speed never
// fails the run.
//
// Server CPU time per phase comes from /proc/<pid>/stat (utime+stime, every thread), peak RSS from
// /proc/<pid>/status (VmHWM). The driver's own CPU per phase is printed too: a phase where the
// client is near 100% of a core measures the client, and the table says so.
//
// Environment:
//   MCPD_BIN           mcpd binary (required unless BENCH_SERVERS=ts)
//   MCPD_CONFIG        passed as --config (default: none, the embedded default config with echo)
//   BENCH_N            calls per phase (default 20000)
//   BENCH_MAX_SECONDS  time limit per phase (default 30); a phase stops early and reports its count
//   BENCH_WARMUP       warm-up calls per server (default min(2000, N))
//   BENCH_ROUNDS       rounds per phase and server (default 3); the table shows the best round
//                      (machines shared with builds and fuzzers only ever make a server slower)
//                      and the spread of all rounds
//   BENCH_DEPTH        requests in flight in phase (b) (default 64; mcpd's default max_inflight)
//   BENCH_PAYLOAD      extra characters in every echoed text (default 0)
//   BENCH_SERVERS      comma list of mcpd,ts (default both)
//   BENCH_PHASES       comma list of seq,pipe,ping (default all three)
//   BENCH_JSON         also write the results as JSON to this file
//   MCPD_E2E_DIR       folder with the npm install (default ../e2e beside this file)
//
// Run: tests/e2e/node_modules/node/bin/node tests/bench/stdio_bench.mjs   (or tests/bench/run.sh)
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { CLK_TCK, envInt } from './bench_common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

const N = envInt('BENCH_N', 20000);
const MAX_MS = envInt('BENCH_MAX_SECONDS', 30) * 1000;
const WARMUP = envInt('BENCH_WARMUP', Math.min(2000, N), 0);
const DEPTH = envInt('BENCH_DEPTH', 64);
const PAYLOAD = envInt('BENCH_PAYLOAD', 0, 0);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const STALL_MS = 15000; // no answer for this long while requests are outstanding: the server hangs
const SERVERS = (process.env.BENCH_SERVERS || 'mcpd,ts').split(',').map((s) => s.trim()).filter(Boolean);
const E2E_DIR = path.resolve(process.env.MCPD_E2E_DIR || path.join(here, '..', 'e2e'));
const PROTOCOL = '2025-11-25';

// ---- wrong answers ---------------------------------------------------------------------------

class WrongAnswer extends Error {}
const failures = [];
function fail(server, what) {
  const msg = `${server}: ${what}`;
  failures.push(msg);
  throw new WrongAnswer(msg);
}

function clip(s, n = 300) {
  s = typeof s === 'string' ? s : JSON.stringify(s);
  return s.length > n ? `${s.slice(0, n)}...` : s;
}

// ---- one server over stdio -------------------------------------------------------------------

class Server {
  constructor(label, kind, cmd, args, env) {
    this.label = label;
    this.kind = kind;
    this.cmd = cmd;
    this.args = args;
    this.env = env;
    this.nextId = 1;
    this.pending = new Map(); // id -> {resolve, reject, check, t0}
    this.stderr = '';
    this.buf = '';
    this.outq = [];
    this.flushScheduled = false;
    this.batchWrites = false; // pipelined phase: one write per event-loop turn
    this.lastProgress = performance.now();
    this.notifications = 0;
    this.exit = null; // {code, signal} once exited
  }

  start() {
    this.proc = spawn(this.cmd, this.args, { stdio: ['pipe', 'pipe', 'pipe'], env: this.env });
    this.pid = this.proc.pid;
    const gone = (exit, why) => {
      if (this.exit) return;
      this.exit = exit;
      const err = new Error(`${this.label}: ${why}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      this.resolveExited(exit);
    };
    this.exited = new Promise((resolve) => { this.resolveExited = resolve; });
    this.proc.on('exit', (code, signal) => gone({ code, signal }, `exited (code ${code}, signal ${signal})`));
    // 'close' comes after 'exit', once stdout and stderr are drained (never, if a grandchild
    // keeps them open: stop() waits for it only briefly).
    this.closed = new Promise((resolve) => this.proc.on('close', resolve));
    this.proc.on('error', (e) => {
      // Could not start (or could not be signalled): there will be no 'exit' if it never ran.
      this.stderr += `\nspawn error: ${e.message}`;
      if (this.proc.pid === undefined) {
        this.startFailed = true;
        gone({ code: null, signal: null }, `cannot start ${this.cmd}: ${e.message}`);
      }
    });
    this.proc.stdin.on('error', () => {}); // EPIPE when the server dies; the exit handler reports
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (d) => {
      this.stderr += d;
      if (this.stderr.length > 200000) this.stderr = this.stderr.slice(-100000);
    });
    this.proc.stdout.setEncoding('utf8');
    this.proc.stdout.on('data', (d) => this.onData(d));
  }

  onData(chunk) {
    this.buf += chunk;
    let start = 0;
    let nl;
    while ((nl = this.buf.indexOf('\n', start)) >= 0) {
      const line = this.buf.slice(start, nl);
      start = nl + 1;
      if (line.trim() !== '') this.onLine(line);
    }
    this.buf = start ? this.buf.slice(start) : this.buf;
  }

  onLine(line) {
    const t1 = performance.now();
    this.lastProgress = t1;
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      return this.protocolFailure(`stdout line is not JSON: ${clip(line)}`);
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg) || msg.jsonrpc !== '2.0') {
      return this.protocolFailure(`not a JSON-RPC 2.0 message: ${clip(line)}`);
    }
    if (typeof msg.method === 'string') {
      if (msg.id === undefined) {
        this.notifications++;
        return;
      }
      // A server->client request (a heartbeat ping, say): answer it so the server is content.
      const reply = msg.method === 'ping'
        ? { jsonrpc: '2.0', id: msg.id, result: {} }
        : { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } };
      this.write(JSON.stringify(reply));
      return;
    }
    const p = this.pending.get(msg.id);
    if (!p) {
      return this.protocolFailure(`response for an id not in flight: ${clip(line)}`);
    }
    this.pending.delete(msg.id);
    try {
      if (msg.error !== undefined) {
        fail(this.label, `request ${msg.id} failed: ${clip(msg.error)}`);
      }
      if (!('result' in msg)) fail(this.label, `response ${msg.id} has no result: ${clip(line)}`);
      p.check(msg.result, line);
      p.resolve(t1 - p.t0);
    } catch (e) {
      p.reject(e);
    }
  }

  protocolFailure(what) {
    try {
      fail(this.label, what);
    } catch (e) {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    }
  }

  write(line) {
    if (!this.batchWrites) {
      this.proc.stdin.write(line + '\n');
      return;
    }
    this.outq.push(line);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        const data = this.outq.join('\n') + '\n';
        this.outq.length = 0;
        this.proc.stdin.write(data);
      });
    }
  }

  // Sends one request; resolves with its round-trip time in ms once check(result) passed.
  request(method, params, check) {
    if (this.exit) return Promise.reject(new Error(`${this.label} has exited`));
    const id = this.nextId++;
    const msg = { jsonrpc: '2.0', id, method };
    if (params !== undefined) msg.params = params;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, check, t0: performance.now() });
      this.write(JSON.stringify(msg));
    });
  }

  notify(method, params) {
    const msg = { jsonrpc: '2.0', method };
    if (params !== undefined) msg.params = params;
    this.write(JSON.stringify(msg));
  }

  // [utime, stime] in clock ticks, every thread of the process.
  cpu() {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // The command name may hold spaces; fields count from after its closing parenthesis.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return [Number(f[11]), Number(f[12])]; // fields 14 and 15
    } catch {
      return [NaN, NaN];
    }
  }

  cpuTicks() {
    const [u, st] = this.cpu();
    return u + st;
  }

  status(key) {
    try {
      const m = readFileSync(`/proc/${this.pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
      return m ? Number(m[1]) : NaN;
    } catch {
      return NaN;
    }
  }

  threads() {
    try {
      const m = readFileSync(`/proc/${this.pid}/status`, 'utf8').match(/^Threads:\s+(\d+)/m);
      return m ? Number(m[1]) : NaN;
    } catch {
      return NaN;
    }
  }

  async stop() {
    if (!this.exit) {
      this.proc.stdin.end();
      const timer = (ms, sig) => setTimeout(() => { if (!this.exit) this.proc.kill(sig); }, ms);
      const t1 = timer(10000, 'SIGTERM');
      const t2 = timer(15000, 'SIGKILL');
      await this.exited;
      clearTimeout(t1);
      clearTimeout(t2);
    }
    let t3;
    await Promise.race([this.closed, new Promise((resolve) => { t3 = setTimeout(resolve, 2000); })]);
    clearTimeout(t3);
    return this.exit;
  }
}

// ---- checks ----------------------------------------------------------------------------------

// Checks a CallToolResult by value, not by bytes (key order and escapes may differ between
// servers). The common case costs two string compares: the text block is tried against
// JSON.stringify of the expected document first and parsed only when it differs.
function echoCheck(server, text) {
  const expect = { prefix: '', arguments: { text } };
  const expectJson = JSON.stringify(expect);
  return (result, line) => {
    if (result === null || typeof result !== 'object') fail(server.label, `echo result is not an object: ${clip(line)}`);
    if (result.isError) fail(server.label, `echo returned isError: ${clip(line)}`);
    const sc = result.structuredContent;
    const scOk = sc !== null && typeof sc === 'object' && sc.prefix === '' && sc.arguments !== null &&
      typeof sc.arguments === 'object' && sc.arguments.text === text &&
      Object.keys(sc).length === 2 && Object.keys(sc.arguments).length === 1;
    if (!scOk) {
      fail(server.label, `echo structuredContent is wrong: expected ${clip(expect)}, got ${clip(line)}`);
    }
    const c = result.content;
    if (!Array.isArray(c) || c.length !== 1 || c[0].type !== 'text' || typeof c[0].text !== 'string') {
      fail(server.label, `echo content is not one text block: ${clip(line)}`);
    }
    if (c[0].text === expectJson) return;
    let parsed;
    try {
      parsed = JSON.parse(c[0].text);
    } catch {
      fail(server.label, `echo text block is not JSON: ${clip(line)}`);
    }
    if (!isDeepStrictEqual(parsed, expect)) {
      fail(server.label, `echo text block is wrong: expected ${clip(expect)}, got ${clip(line)}`);
    }
  };
}

function pingCheck(server) {
  return (result, line) => {
    if (!isDeepStrictEqual(result, {})) fail(server.label, `ping result is not {}: ${clip(line)}`);
  };
}

// Varied text with characters that need escaping, so a server that echoes the wrong request,
// mangles escapes or UTF-8 is caught.
const PAD = 'x'.repeat(PAYLOAD);
function textFor(tag, i) {
  return `${tag} #${i} "quoted" back\\slash tab\t é ✓ 🚀${PAD}`;
}

function callEcho(server, text) {
  return server.request('tools/call', { name: 'echo', arguments: { text } }, echoCheck(server, text));
}

// ---- phases ----------------------------------------------------------------------------------

function percentile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

// Rejects when the server makes no progress for STALL_MS with requests outstanding.
function watchdog(server) {
  let timer;
  const p = new Promise((_, reject) => {
    timer = setInterval(() => {
      if (server.pending.size > 0 && performance.now() - server.lastProgress > STALL_MS) {
        const n = server.pending.size;
        const e = new Error(`${server.label}: no answer for ${STALL_MS / 1000} s with ${n} request${n === 1 ? '' : 's'} in flight`);
        failures.push(e.message);
        reject(e);
      }
    }, 1000);
  });
  return { p, stop: () => clearInterval(timer) };
}

// Runs `lanes` loops, each sending one request at a time (so `lanes` are in flight), until n
// requests are answered or maxMs has passed. Returns the measurements.
async function runPhase(server, { n, lanes, maxMs, make, batch }) {
  const lat = [];
  let issued = 0;
  let done = 0;
  let timedOut = false;
  server.lastProgress = performance.now();
  server.batchWrites = batch;
  const cpu0 = server.cpu();
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + maxMs;
  const lane = async () => {
    while (issued < n && failures.length === 0) {
      if (performance.now() >= deadline) {
        timedOut = true;
        return;
      }
      const i = issued++;
      lat.push(await make(i));
      done++;
    }
  };
  try {
    await withWatchdog(server, Promise.all(Array.from({ length: lanes }, lane)));
  } finally {
    server.batchWrites = false;
  }
  const elapsed = performance.now() - t0;
  const cpu1 = server.cpu();
  const self = process.cpuUsage(self0);
  lat.sort((a, b) => a - b);
  const sysTicks = cpu1[1] - cpu0[1];
  const ticks = cpu1[0] - cpu0[0] + sysTicks;
  return {
    count: done,
    timeLimited: timedOut,
    seconds: elapsed / 1000,
    perSec: done / (elapsed / 1000),
    p50_us: percentile(lat, 0.5) * 1000,
    p99_us: percentile(lat, 0.99) * 1000,
    max_us: lat.length ? lat[lat.length - 1] * 1000 : NaN,
    serverCpuSec: ticks / CLK_TCK,
    serverCpuUsPerCall: ((ticks / CLK_TCK) * 1e6) / done,
    serverSysPct: ticks > 0 ? (sysTicks / ticks) * 100 : NaN,
    serverCpuPct: ((ticks / CLK_TCK) / (elapsed / 1000)) * 100,
    clientCpuPct: ((self.user + self.system) / 1e3 / elapsed) * 100,
  };
}

const ALL_PHASES = [
  {
    key: 'seq',
    title: `tools/call echo, sequential`,
    opts: (s) => ({ lanes: 1, batch: false, make: (i) => callEcho(s, textFor('seq', i)) }),
  },
  {
    key: 'pipe',
    title: `tools/call echo, ${DEPTH} in flight`,
    opts: (s) => ({ lanes: DEPTH, batch: true, make: (i) => callEcho(s, textFor('pipe', i)) }),
  },
  {
    key: 'ping',
    title: 'ping, sequential',
    opts: (s) => ({ lanes: 1, batch: false, make: () => s.request('ping', undefined, pingCheck(s)) }),
  },
];

const WANT = (process.env.BENCH_PHASES || 'seq,pipe,ping').split(',').map((x) => x.trim());
const PHASES = ALL_PHASES.filter((p) => WANT.includes(p.key));
if (PHASES.length === 0 || WANT.some((k) => !ALL_PHASES.some((p) => p.key === k))) {
  console.error(`stdio_bench: BENCH_PHASES must list some of ${ALL_PHASES.map((p) => p.key).join(', ')}`);
  process.exit(2);
}

// ---- servers ---------------------------------------------------------------------------------

function makeServers() {
  const list = [];
  for (const name of SERVERS) {
    if (name === 'mcpd') {
      const bin = process.env.MCPD_BIN;
      if (!bin || !existsSync(bin)) {
        console.error(`stdio_bench: MCPD_BIN must name the mcpd binary (got ${bin ?? 'nothing'})`);
        process.exit(2);
      }
      // The default configuration as shipped (embedded config/mcp.ini), on stdio.
      const args = ['--transport', 'stdio'];
      if (process.env.MCPD_CONFIG) args.push('--config', process.env.MCPD_CONFIG);
      list.push(new Server('mcpd', 'mcpd', bin, args, process.env));
    } else if (name === 'ts') {
      const sdk = path.join(E2E_DIR, 'node_modules', '@modelcontextprotocol', 'sdk', 'package.json');
      if (!existsSync(sdk)) {
        console.error(`stdio_bench: ${sdk} is missing: run \`npm ci\` in ${E2E_DIR}`);
        process.exit(2);
      }
      const version = JSON.parse(readFileSync(sdk, 'utf8')).version;
      // The reference runs on the same Node as this driver (the pinned Node 22 of tests/e2e).
      // Sanitizer settings meant for mcpd are irrelevant to it.
      list.push(new Server(`TS SDK ${version}`, 'ts', process.execPath,
        [path.join(here, 'ts_echo_server.mjs')], { ...process.env, MCPD_E2E_DIR: E2E_DIR }));
    } else {
      console.error(`stdio_bench: unknown server "${name}" in BENCH_SERVERS (mcpd, ts)`);
      process.exit(2);
    }
  }
  // mcpd first: the ratio columns read mcpd/reference.
  return list.sort((a, b) => (a.kind === 'mcpd' ? -1 : 0) - (b.kind === 'mcpd' ? -1 : 0));
}

async function withWatchdog(s, promise) {
  const wd = watchdog(s);
  try {
    return await Promise.race([promise, wd.p]);
  } finally {
    wd.stop();
  }
}

async function handshake(s) {
  let result;
  await withWatchdog(s, s.request('initialize', {
    protocolVersion: PROTOCOL,
    capabilities: {},
    clientInfo: { name: 'mcpd-stdio-bench', version: '1.0.0' },
  }, (r) => { result = r; }));
  if (result?.protocolVersion !== PROTOCOL) {
    fail(s.label, `initialize negotiated ${clip(result?.protocolVersion)}, expected ${PROTOCOL}`);
  }
  if (!result.capabilities?.tools) fail(s.label, 'initialize result declares no tools capability');
  s.notify('notifications/initialized');
  const tools = [];
  await withWatchdog(s, s.request('tools/list', {}, (r) => { tools.push(...(r.tools ?? [])); }));
  if (!tools.some((t) => t.name === 'echo')) {
    fail(s.label, `no echo tool (tools: ${tools.map((t) => t.name).join(', ') || 'none'})`);
  }
  s.serverInfo = result.serverInfo;
}

async function warmup(s) {
  if (WARMUP === 0) return;
  // Sequential, pipelined and ping traffic, so the JIT and allocator of both sides have seen
  // every path the phases take.
  const maxMs = Math.min(MAX_MS, 10000);
  await runPhase(s, { n: WARMUP, lanes: 1, maxMs, batch: false, make: (i) => callEcho(s, textFor('warm', i)) });
  await runPhase(s, { n: WARMUP, lanes: DEPTH, maxMs, batch: true, make: (i) => callEcho(s, textFor('warmp', i)) });
  await runPhase(s, { n: WARMUP, lanes: 1, maxMs, batch: false, make: () => s.request('ping', undefined, pingCheck(s)) });
}

// ---- report ----------------------------------------------------------------------------------

function fmt(v, digits = 0) {
  if (v === undefined || Number.isNaN(v)) return '-';
  if (!Number.isFinite(v)) return 'inf';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function ratio(a, b) {
  if (!(a > 0) || !(b > 0)) return '-';
  return `${(a / b).toFixed(2)}x`;
}

function printTable(servers, results, extra) {
  const [A, B] = servers;
  const head = ['', ...servers.map((s) => s.label)];
  if (B) head.push(`${A.label}/${B.kind === 'ts' ? 'ref' : B.label}`, `${A.label} advantage`);
  const rows = [];
  const row = (label, key, digits, better, unit = '') => {
    const vals = servers.map((s) => key(s));
    const r = [label, ...vals.map((v) => (Number.isNaN(v) ? '-' : fmt(v, digits) + unit))];
    if (B && better === null) {
      r.push('', '');
    } else if (B) {
      r.push(ratio(vals[0], vals[1]));
      // advantage: how many times better mcpd is, whichever way "better" points
      r.push(better === 'higher' ? ratio(vals[0], vals[1]) : ratio(vals[1], vals[0]));
    }
    rows.push(r);
  };
  for (const ph of PHASES) {
    const R = (s) => results.get(s)[ph.key];
    rows.push([`${ph.title}`]);
    row('  calls done (best round)', (s) => R(s).count, 0, null);
    row(`  ${ph.key === 'ping' ? 'round trips' : 'calls'}/s (best round)`, (s) => R(s).perSec, 0, 'higher');
    row('    worst round', (s) => R(s).minPerSec, 0, 'higher');
    row('  latency p50', (s) => R(s).p50_us, 1, 'lower', ' us');
    row('  latency p99', (s) => R(s).p99_us, 1, 'lower', ' us');
    row('  server CPU per call', (s) => R(s).serverCpuUsPerCall, 1, 'lower', ' us');
    row('    of which kernel', (s) => R(s).serverSysPct, 0, null, ' %');
    row('  server CPU busy', (s) => R(s).serverCpuPct, 0, 'lower', ' %');
    row('  client CPU busy', (s) => R(s).clientCpuPct, 0, null, ' %');
  }
  rows.push(['process']);
  row('  peak RSS (VmHWM)', (s) => extra.get(s).hwm / 1024, 1, 'lower', ' MiB');
  row('  threads', (s) => extra.get(s).threads, 0, null);
  row('  total server CPU', (s) => extra.get(s).cpuSec, 2, 'lower', ' s');

  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r) => r.map((c, i) => (i === 0 ? (c ?? '').padEnd(widths[i]) : (c ?? '').padStart(widths[i]))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(r.length === 1 ? r[0] : line(r));
  const flags = [];
  for (const s of servers) {
    for (const ph of PHASES) {
      const r = results.get(s)[ph.key];
      if (r.all.some((x) => x.timeLimited)) flags.push(`${s.label} ${ph.key}: stopped by the ${MAX_MS / 1000} s limit (calls done per round: ${r.all.map((x) => x.count).join(', ')} of ${N})`);
      if (r.clientCpuPct > 85) flags.push(`${s.label} ${ph.key}: the client was ${r.clientCpuPct.toFixed(0)}% busy; the figure may be client-bound`);
    }
  }
  for (const f of flags) console.log(`note: ${f}`);
}

// ---- main ------------------------------------------------------------------------------------

async function main() {
  const servers = makeServers();
  console.log(`stdio_bench: N=${N} per phase and round (max ${MAX_MS / 1000} s), ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}, ` +
    `warm-up ${WARMUP}, depth ${DEPTH}, ` +
    `payload +${PAYLOAD} chars, node ${process.version}, CLK_TCK ${CLK_TCK}`);
  const results = new Map();
  const extra = new Map();
  let ok = true;
  try {
    for (const s of servers) {
      s.start();
      await handshake(s);
      console.log(`  ${s.label}: pid ${s.pid}, ${s.cmd} ${s.args.join(' ')} ` +
        `(serverInfo ${s.serverInfo?.name} ${s.serverInfo?.version})`);
      await warmup(s);
      results.set(s, {});
    }
    for (const ph of PHASES) {
      const rounds = new Map(servers.map((s) => [s, []]));
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? servers : [...servers].reverse();
        for (const s of order) {
          rounds.get(s).push(await runPhase(s, { n: N, maxMs: MAX_MS, ...ph.opts(s) }));
        }
      }
      for (const s of servers) {
        const all = rounds.get(s);
        const best = all.reduce((a, b) => (b.perSec > a.perSec ? b : a));
        results.get(s)[ph.key] = {
          ...best,
          rounds: all.length,
          minPerSec: Math.min(...all.map((x) => x.perSec)),
          maxPerSec: Math.max(...all.map((x) => x.perSec)),
          all,
        };
      }
    }
    for (const s of servers) {
      extra.set(s, { hwm: s.status('VmHWM'), threads: s.threads(), cpuSec: s.cpuTicks() / CLK_TCK });
    }
    console.log('');
    printTable(servers, results, extra);
  } catch (e) {
    ok = false;
    if (!(e instanceof WrongAnswer) && !failures.includes(e.message)) failures.push(e.message);
  }
  // Shut down: close stdin, expect a clean exit from mcpd (under ASan that also means no leaks).
  for (const s of servers) {
    if (!s.proc) continue;
    const ex = await s.stop();
    if (s.kind === 'mcpd' && !s.startFailed && (ex.code !== 0 || ex.signal)) {
      ok = false;
      failures.push(`${s.label}: exit code ${ex.code}, signal ${ex.signal} after stdin closed`);
    }
    if (!ok) {
      console.error(`---- ${s.label} stderr (tail) ----\n${s.stderr.split('\n').slice(-40).join('\n')}`);
    }
  }
  if (process.env.BENCH_JSON) {
    const out = { N, rounds: ROUNDS, maxSeconds: MAX_MS / 1000, depth: DEPTH, payload: PAYLOAD, node: process.version, servers: {} };
    for (const s of servers) {
      out.servers[s.label] = { kind: s.kind, ...(results.get(s) ?? {}), process: extra.get(s) ?? {} };
    }
    out.failures = failures;
    writeFileSync(process.env.BENCH_JSON, JSON.stringify(out, null, 2));
  }
  if (failures.length > 0 || !ok) {
    console.error(`\nstdio_bench: FAILED (${failures.length} problem${failures.length === 1 ? '' : 's'}):`);
    for (const f of failures.slice(0, 20)) console.error(`  ${f}`);
    process.exit(1);
  }
  console.log('\nstdio_bench: every response verified');
}

await main();
