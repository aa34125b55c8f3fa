// The cost of the 2026-07-28 ("modern") path per call against the legacy path, in one run on
// one mcpd: tools/call echo over Streamable HTTP (keep-alive, C concurrent clients) and over
// stdio (one call in flight), legacy (a session from initialize) and modern (the _meta on every
// request, no session: mcpd makes a request context per call, validates the _meta and shapes
// the result) in alternating blocks, so machine drift hits both alike.
//
// Printed per transport: calls/s, wall µs per call and server CPU µs per call for each era
// (best round), and the ratio modern / legacy. Every answer is verified (status, id, echoed
// text, resultType on modern answers): one wrong answer makes the run exit 1. Speed never fails
// the run.
//
// Environment:
//   MCPD_BIN           mcpd binary (required); echo.so from <dir of MCPD_BIN>/plugins unless
//                      MCPD_PLUGIN_DIR says otherwise
//   BENCH_N            measured calls per era, transport and round (default 10000)
//   BENCH_CLIENTS      concurrent HTTP clients (default 8)
//   BENCH_ROUNDS       rounds (default 3)
//   BENCH_WARMUP       warm-up calls per era (default min(1000, N))
//   BENCH_MAX_SECONDS  time limit of one measured block (default 30)
//
// Run: tests/e2e/node_modules/node/bin/node tests/bench/era_bench.mjs  (an optimised build:
// cmake -B build-bench -DCMAKE_BUILD_TYPE=Release -DMCPD_SANITIZE=OFF, MCPD_BIN=build-bench/mcpd)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CLK_TCK, cpuSeconds, envInt, postMcp, waitListening } from './bench_common.mjs';

const N = envInt('BENCH_N', 10000);
const CLIENTS = envInt('BENCH_CLIENTS', 8);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const WARMUP = envInt('BENCH_WARMUP', Math.min(1000, N), 0);
const MAX_MS = envInt('BENCH_MAX_SECONDS', 30) * 1000;
const STALL_MS = 15000;
const MODERN = '2026-07-28';
const META = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'era_bench', version: '1' },
};

let wrong = 0;
function check(cond, what) {
  if (!cond) {
    wrong++;
    if (wrong <= 10) console.error(`era_bench: WRONG ANSWER: ${what}`);
  }
}

// Verifies the answer of echo call `id` with `text`; modern answers must be complete.
function verify(msg, id, text, modern) {
  check(msg?.id === id, `id ${id}: got ${JSON.stringify(msg).slice(0, 200)}`);
  const r = msg?.result;
  check(r?.structuredContent?.arguments?.text === text, `id ${id}: text ${JSON.stringify(r).slice(0, 200)}`);
  check(modern ? r?.resultType === 'complete' : r?.resultType === undefined,
        `id ${id}: resultType ${r?.resultType}`);
}

function callBody(id, text, modern) {
  const params = { name: 'echo', arguments: { text } };
  if (modern) params._meta = META;
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params });
}

// ---- the server ----------------------------------------------------------------------------

// ---- HTTP ----------------------------------------------------------------------------------

function post(agent, port, headers, body) {
  return postMcp(agent, port, headers, body, STALL_MS);
}

async function httpServer() {
  const bin = process.env.MCPD_BIN && path.resolve(process.env.MCPD_BIN);
  if (!bin || !existsSync(bin)) throw new Error(`MCPD_BIN=${bin} does not exist`);
  const pluginDir = path.resolve(process.env.MCPD_PLUGIN_DIR || path.join(path.dirname(bin), 'plugins'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpd-era-bench-'));
  const ini = path.join(dir, 'mcp.ini');
  writeFileSync(ini, ['[server]', 'transport = http-stream', 'host = 127.0.0.1', 'port = 0',
                      `plugin_dir = ${pluginDir}`, '', '[log]', 'level = info', '',
                      '[http]', `max_sessions = ${CLIENTS * 4}`, '',
                      '[plugin echo]', 'path = echo.so', ''].join('\n'));
  const proc = spawn(bin, ['--config', ini], { stdio: ['ignore', 'ignore', 'pipe'] });
  const { port, exited, stderr } = await waitListening(proc, 'mcpd');
  return { proc, port, dir, exited, stderr };
}

async function httpClients(port) {
  const clients = [];
  for (let i = 0; i < CLIENTS; i++) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const init = await post(agent, port, {}, JSON.stringify({
      jsonrpc: '2.0', id: 0, method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'era_bench', version: '1' } },
    }));
    const sid = init.headers['mcp-session-id'];
    check(init.status === 200 && sid, `initialize: ${init.status}`);
    const legacy = { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
    await post(agent, port, legacy, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    clients.push({ agent, legacy });
  }
  return clients;
}

const MODERN_HEADERS = { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'echo' };

// n calls over the clients (each sequential); returns the wall time in ms.
async function httpBlock(port, clients, n, modern, tag) {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(clients.map(async (c, k) => {
    while (next < n && performance.now() - t0 < MAX_MS) {
      const i = next++;
      const id = i + 1;
      const text = `${tag}-${k}-${i}`;
      const res = await post(c.agent, port, modern ? MODERN_HEADERS : c.legacy, callBody(id, text, modern));
      check(res.status === 200, `HTTP ${res.status} ${res.body.slice(0, 200)}`);
      check(!modern || res.headers['mcp-session-id'] === undefined, 'modern answer with a session id');
      verify(JSON.parse(res.body), id, text, modern);
    }
  }));
  return performance.now() - t0;
}

// ---- stdio ---------------------------------------------------------------------------------

async function stdioServer() {
  const bin = path.resolve(process.env.MCPD_BIN);
  const pluginDir = path.resolve(process.env.MCPD_PLUGIN_DIR || path.join(path.dirname(bin), 'plugins'));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpd-era-bench-'));
  const ini = path.join(dir, 'mcp.ini');
  writeFileSync(ini, ['[server]', 'transport = stdio', `plugin_dir = ${pluginDir}`, '',
                      '[log]', 'level = warning', '', '[plugin echo]', 'path = echo.so', ''].join('\n'));
  const proc = spawn(bin, ['--config', ini], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  let buf = '';
  const waiting = new Map();
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const msg = JSON.parse(line);
      const w = waiting.get(msg.id);
      if (w) {
        waiting.delete(msg.id);
        w(msg);
      }
    }
  });
  const rpc = (id, body) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`stdio: no answer to ${id}`)), STALL_MS);
    waiting.set(id, (m) => {
      clearTimeout(timer);
      resolve(m);
    });
    proc.stdin.write(`${body}\n`);
  });
  await rpc(0, JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize',
                                params: { protocolVersion: '2025-11-25', capabilities: {},
                                          clientInfo: { name: 'era_bench', version: '1' } } }));
  proc.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
  return { proc, dir, exited, rpc };
}

let stdioId = 1;
async function stdioBlock(s, n, modern, tag) {
  const t0 = performance.now();
  for (let i = 0; i < n && performance.now() - t0 < MAX_MS; i++) {
    const id = stdioId++;
    const text = `${tag}-${i}`;
    verify(await s.rpc(id, callBody(id, text, modern)), id, text, modern);
  }
  return performance.now() - t0;
}

// ---- the run -------------------------------------------------------------------------------

// Runs ROUNDS rounds of (legacy, modern) blocks, alternating which goes first.
async function measure(pid, block) {
  const best = { legacy: null, modern: null };
  await block(WARMUP, false, 'warm-l');
  await block(WARMUP, true, 'warm-m');
  for (let r = 0; r < ROUNDS; r++) {
    for (const modern of r % 2 ? [true, false] : [false, true]) {
      const cpu0 = cpuSeconds(pid);
      const ms = await block(N, modern, `r${r}`);
      const cpu = cpuSeconds(pid) - cpu0;
      const row = { callsPerS: N / (ms / 1000), wallUs: (ms * 1000) / N, cpuUs: (cpu * 1e6) / N };
      const key = modern ? 'modern' : 'legacy';
      if (!best[key] || row.callsPerS > best[key].callsPerS) best[key] = row;
    }
  }
  return best;
}

function print(title, best) {
  const f = (v, d = 1) => v.toFixed(d).padStart(10);
  console.log(`\n${title} (best of ${ROUNDS} rounds, N = ${N})`);
  console.log('  era       calls/s   wall µs/call   server CPU µs/call');
  for (const era of ['legacy', 'modern']) {
    const b = best[era];
    console.log(`  ${era.padEnd(7)}${f(b.callsPerS, 0)}${f(b.wallUs)}     ${f(b.cpuUs)}`);
  }
  console.log(`  ratio modern/legacy: wall ${(best.modern.wallUs / best.legacy.wallUs).toFixed(2)}x, ` +
              `server CPU ${(best.modern.cpuUs / best.legacy.cpuUs).toFixed(2)}x`);
}

async function main() {
  console.log(`era_bench: mcpd ${process.env.MCPD_BIN}, ${CLIENTS} HTTP clients, ${os.cpus().length} CPUs`);
  let rc = 0;
  const h = await httpServer();
  try {
    const clients = await httpClients(h.port);
    print('Streamable HTTP, tools/call echo', await measure(h.proc.pid, (n, modern, tag) =>
      httpBlock(h.port, clients, n, modern, tag)));
    clients.forEach((c) => c.agent.destroy());
  } finally {
    h.proc.kill('SIGTERM');
    const { code } = await h.exited;
    if (code !== 0) {
      console.error(`era_bench: mcpd (http) exited ${code}:\n${h.stderr()}`);
      rc = 1;
    }
    rmSync(h.dir, { recursive: true, force: true });
  }
  const s = await stdioServer();
  try {
    print('stdio, tools/call echo', await measure(s.proc.pid, (n, modern, tag) =>
      stdioBlock(s, n, modern, tag)));
  } finally {
    s.proc.stdin.end();
    const { code } = await s.exited;
    if (code !== 0) {
      console.error(`era_bench: mcpd (stdio) exited ${code}`);
      rc = 1;
    }
    rmSync(s.dir, { recursive: true, force: true });
  }
  if (wrong > 0) {
    console.error(`era_bench: ${wrong} wrong answer(s)`);
    rc = 1;
  }
  process.exit(rc);
}

main().catch((err) => {
  console.error(`era_bench: ${err.stack || err}`);
  process.exit(1);
});
