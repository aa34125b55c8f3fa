// Streamable HTTP benchmark: tools/call echo over keep-alive connections, C concurrent clients
// (one MCP session each), against mcpd (response_mode = json, and auto) and a reference server
// written with the official TypeScript SDK v1 (tests/bench/ts_http_echo_server.mjs: stateful
// sessions, enableJsonResponse), side by side in one run.
//
// For each server and round: start it, open C sessions (initialize + notifications/initialized),
// warm up, then run BENCH_N calls spread over the C clients (each client sequential: one call in
// flight per connection, keep-alive). Rounds alternate the order of the servers so drift in
// machine load hits them alike; the table shows the best round and the spread. Every loop is
// bounded by count and time. Every answer is verified (HTTP 200, JSON, the id, the echoed text
// in structuredContent): one wrong answer makes the run exit 1. Speed never fails the run.
//
// Server CPU per call comes from /proc/<pid>/stat (utime+stime, all threads) over the measured
// phase; RSS is VmRSS at the end and VmHWM (peak) from /proc/<pid>/status. The load generator's
// own CPU is printed too: on a 2-core machine a client near 100% of a core is the bottleneck, not
// the server, and the table says so.
//
// Environment:
//   MCPD_BIN            mcpd binary (required unless BENCH_SERVERS has no mcpd entry); its echo
//                       plugin is taken from <dir of MCPD_BIN>/plugins (MCPD_PLUGIN_DIR overrides)
//   BENCH_N             measured calls per server and round (default 20000)
//   BENCH_CLIENTS       concurrent clients / sessions / connections (default 16)
//   BENCH_WARMUP        warm-up calls per server and round (default min(2000, N))
//   BENCH_ROUNDS        rounds (default 3)
//   BENCH_MAX_SECONDS   time limit of one measured phase (default 30)
//   BENCH_SERVERS       comma list of mcpd-json, mcpd-auto, ts (default all three)
//   BENCH_JSON          also write the results as JSON to this file
//   MCPD_E2E_DIR        folder with the npm install (default ../e2e beside this file)
//
// Run: tests/e2e/node_modules/node/bin/node tests/bench/http_bench.mjs   (or tests/bench/run.sh)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CLK_TCK, cpuSeconds, envInt, memKiB, postMcp, waitListening } from './bench_common.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

const N = envInt('BENCH_N', 20000);
const CLIENTS = envInt('BENCH_CLIENTS', 16);
const WARMUP = envInt('BENCH_WARMUP', Math.min(2000, N), 0);
const ROUNDS = envInt('BENCH_ROUNDS', 3);
const MAX_MS = envInt('BENCH_MAX_SECONDS', 30) * 1000;
const STALL_MS = 15000;
const SERVERS = (process.env.BENCH_SERVERS || 'mcpd-json,mcpd-auto,ts').split(',')
  .map((s) => s.trim()).filter(Boolean);
const E2E_DIR = path.resolve(process.env.MCPD_E2E_DIR || path.join(here, '..', 'e2e'));
const NODE = process.execPath;

const failures = [];
function fail(server, what) {
  failures.push(`${server}: ${what}`);
  if (failures.length <= 10) {
    console.error(`http_bench: WRONG ANSWER from ${server}: ${what}`);
  }
}

// ---- /proc ---------------------------------------------------------------------------------

// ---- servers -------------------------------------------------------------------------------

async function startServer(name) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpd-http-bench-'));
  let cmd;
  let args;
  if (name.startsWith('mcpd')) {
    const bin = process.env.MCPD_BIN ? path.resolve(process.env.MCPD_BIN) : undefined;
    if (!bin || !existsSync(bin)) {
      throw new Error(`MCPD_BIN=${bin} does not exist`);
    }
    const pluginDir = path.resolve(process.env.MCPD_PLUGIN_DIR || path.join(path.dirname(bin), 'plugins'));
    const mode = name === 'mcpd-auto' ? 'auto' : 'json';
    const ini = path.join(dir, 'mcp.ini');
    writeFileSync(ini, [
      '[server]', 'transport = http-stream', 'host = 127.0.0.1', 'port = 0',
      `plugin_dir = ${pluginDir}`, '', '[log]', 'level = info', '',
      '[http]', `response_mode = ${mode}`, `max_sessions = ${Math.max(CLIENTS * 2, 64)}`, '',
      '[plugin echo]', 'path = echo.so', '',
    ].join('\n'));
    cmd = bin;
    args = ['--config', ini];
  } else if (name === 'ts') {
    cmd = NODE;
    args = [path.join(here, 'ts_http_echo_server.mjs')];
  } else {
    throw new Error(`unknown server ${name} (mcpd-json, mcpd-auto, ts)`);
  }
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'],
                                  env: { ...process.env, MCPD_E2E_DIR: E2E_DIR } });
  const { port, exited, stderr } = await waitListening(proc, name);
  return {
    name, proc, port, pid: proc.pid, dir, stderr,
    async stop() {
      proc.kill('SIGTERM');
      let timer;
      const r = await Promise.race([exited, new Promise((resolve) => {
        timer = setTimeout(() => {
          proc.kill('SIGKILL');
          resolve({ code: null, signal: 'SIGKILL' });
        }, 20000);
      })]);
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return r;
    },
  };
}

// ---- the client ----------------------------------------------------------------------------

function post(agent, port, sid, body) {
  const headers = sid ? { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' } : {};
  return postMcp(agent, port, headers, body, STALL_MS);
}

// The answer of one call: JSON, or the last message of an SSE body (auto mode may choose SSE).
function answerOf(res) {
  const type = res.headers['content-type'] || '';
  if (type.startsWith('application/json')) {
    return JSON.parse(res.body);
  }
  if (type.startsWith('text/event-stream')) {
    const datas = res.body.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim())
      .filter(Boolean);
    return JSON.parse(datas.at(-1));
  }
  throw new Error(`Content-Type ${type}`);
}

async function openSession(server, agent, k) {
  const init = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: {
    protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: `bench-${k}`, version: '1' } } });
  const r = await post(agent, server.port, null, init);
  const sid = r.headers['mcp-session-id'];
  if (r.status !== 200 || !sid) {
    throw new Error(`${server.name}: initialize: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  }
  const n = await post(agent, server.port, sid, '{"jsonrpc":"2.0","method":"notifications/initialized"}');
  if (n.status !== 202) {
    throw new Error(`${server.name}: notifications/initialized: HTTP ${n.status}`);
  }
  return sid;
}

// Runs `total` calls over the sessions, each client sequential. Returns latencies (ms).
async function runCalls(server, agent, sids, total, record) {
  let next = 0;
  const lat = record ? new Float64Array(total) : null;
  let done = 0;
  const t0 = performance.now();
  const deadline = t0 + MAX_MS;
  async function client(k) {
    for (;;) {
      const i = next++;
      if (i >= total || performance.now() > deadline) {
        return;
      }
      const text = `bench ${k} ${i}`;
      const id = i + 1;
      const body = `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo",` +
                   `"arguments":{"text":"${text}"}}}`;
      const s = performance.now();
      const r = await post(agent, server.port, sids[k], body);
      const e = performance.now();
      if (r.status !== 200) {
        fail(server.name, `HTTP ${r.status} ${r.body.slice(0, 200)}`);
        continue;
      }
      let m;
      try {
        m = answerOf(r);
      } catch (err) {
        fail(server.name, `unparseable answer (${err.message}): ${r.body.slice(0, 200)}`);
        continue;
      }
      const sc = m?.result?.structuredContent;
      if (m.id !== id || m.error || sc?.arguments?.text !== text ||
          m.result.content?.[0]?.type !== 'text') {
        fail(server.name, `wrong answer to id ${id}: ${JSON.stringify(m).slice(0, 300)}`);
        continue;
      }
      if (lat) {
        lat[done] = e - s;
      }
      done++;
    }
  }
  await Promise.all(sids.map((_, k) => client(k)));
  const ms = performance.now() - t0;
  return { done, ms, lat: lat ? lat.subarray(0, done).sort() : null };
}

function pct(sorted, p) {
  if (!sorted || sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function measure(name) {
  const server = await startServer(name);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS, maxFreeSockets: CLIENTS });
  try {
    const sids = [];
    for (let k = 0; k < CLIENTS; k++) {
      sids.push(await openSession(server, agent, k));
    }
    if (new Set(sids).size !== CLIENTS) {
      fail(name, 'two sessions got the same id');
    }
    if (WARMUP > 0) {
      await runCalls(server, agent, sids, WARMUP, false);
    }
    const cpu0 = cpuSeconds(server.pid);
    const me0 = process.cpuUsage();
    const r = await runCalls(server, agent, sids, N, true);
    const cpu1 = cpuSeconds(server.pid);
    const me1 = process.cpuUsage(me0);
    const rss = memKiB(server.pid, 'VmRSS');
    const hwm = memKiB(server.pid, 'VmHWM');
    return {
      server: name, calls: r.done, seconds: r.ms / 1000, rps: r.done / (r.ms / 1000),
      p50: pct(r.lat, 0.5), p99: pct(r.lat, 0.99),
      cpuPerCallUs: ((cpu1 - cpu0) / r.done) * 1e6,
      serverCpuPct: ((cpu1 - cpu0) / (r.ms / 1000)) * 100,
      clientCpuPct: ((me1.user + me1.system) / 1000 / r.ms) * 100,
      rssMiB: rss / 1024, hwmMiB: hwm / 1024,
    };
  } finally {
    agent.destroy();
    const { code, signal } = await server.stop();
    if (name.startsWith('mcpd') && (code !== 0 || signal)) {
      fail(name, `exit after SIGTERM: code ${code}, signal ${signal}\n${server.stderr().slice(-3000)}`);
    }
  }
}

const fmt = (v, d = 0) => (Number.isFinite(v) ? v.toFixed(d) : '-');

async function main() {
  console.log(`http_bench: tools/call echo, ${CLIENTS} clients (one session and one keep-alive ` +
              `connection each), N = ${N} per round, ${ROUNDS} round(s), warm-up ${WARMUP}, ` +
              `${os.cpus().length} CPU(s)`);
  const all = Object.fromEntries(SERVERS.map((s) => [s, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? SERVERS : [...SERVERS].reverse();
    for (const s of order) {
      const r = await measure(s);
      all[s].push(r);
      console.log(`  round ${round + 1} ${s.padEnd(9)} ${fmt(r.rps)} req/s, p50 ${fmt(r.p50, 2)} ms, ` +
                  `p99 ${fmt(r.p99, 2)} ms, ${fmt(r.cpuPerCallUs, 1)} us CPU/call, ` +
                  `RSS ${fmt(r.rssMiB, 1)} MiB (peak ${fmt(r.hwmMiB, 1)}), client CPU ${fmt(r.clientCpuPct)}%`);
    }
  }
  const best = Object.fromEntries(SERVERS.map((s) => [s, all[s].reduce((a, b) => (b.rps > a.rps ? b : a))]));
  console.log('');
  console.log('server     calls    req/s [spread]          p50 ms  p99 ms  CPU us/call  server CPU%  RSS MiB (peak)  client CPU%');
  for (const s of SERVERS) {
    const b = best[s];
    const rpss = all[s].map((r) => r.rps);
    console.log(`${s.padEnd(9)} ${String(b.calls).padStart(6)} ${fmt(b.rps).padStart(8)} ` +
                `[${fmt(Math.min(...rpss))}-${fmt(Math.max(...rpss))}]`.padEnd(17) +
                `${fmt(b.p50, 2).padStart(8)} ${fmt(b.p99, 2).padStart(7)} ${fmt(b.cpuPerCallUs, 1).padStart(12)} ` +
                `${fmt(b.serverCpuPct).padStart(12)} ${(`${fmt(b.rssMiB, 1)} (${fmt(b.hwmMiB, 1)})`).padStart(15)} ` +
                `${fmt(b.clientCpuPct).padStart(12)}`);
  }
  if (best.ts) {
    for (const s of SERVERS.filter((x) => x !== 'ts')) {
      const a = best[s];
      const t = best.ts;
      console.log(`ratio ${s}/ts: req/s x${fmt(a.rps / t.rps, 2)}, p50 x${fmt(a.p50 / t.p50, 2)}, ` +
                  `CPU/call x${fmt(a.cpuPerCallUs / t.cpuPerCallUs, 2)} ` +
                  `(ts uses ${fmt(t.cpuPerCallUs / a.cpuPerCallUs, 1)}x the CPU per call), ` +
                  `peak RSS x${fmt(a.hwmMiB / t.hwmMiB, 2)}`);
    }
  }
  for (const s of SERVERS) {
    if (best[s].clientCpuPct > 90) {
      console.log(`note: the load generator used ${fmt(best[s].clientCpuPct)}% of a core against ${s}: ` +
                  'that figure is bounded by the client, not the server');
    }
  }
  if (process.env.BENCH_JSON) {
    writeFileSync(process.env.BENCH_JSON, JSON.stringify({ clients: CLIENTS, n: N, rounds: all, best }, null, 2));
  }
  if (failures.length > 0) {
    console.error(`http_bench: ${failures.length} wrong answer(s) or failures`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(`http_bench: ${e.stack || e}`);
  process.exit(1);
});
