// What the Node benchmarks (stdio_bench, http_bench, era_bench) share: reading their BENCH_*
// settings, the server's CPU and memory from /proc, and one POST to an HTTP server's /mcp.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

// The running script's name ("http_bench"), for messages.
const SCRIPT = path.basename(process.argv[1] || 'bench', '.mjs');

// The integer environment setting `name`, `def` when unset or empty; anything that is not an
// integer >= min ends the run with exit code 2 and says so.
export function envInt(name, def, min = 1) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return def;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) {
    console.error(`${SCRIPT}: ${name}=${raw} is not an integer >= ${min}`);
    process.exit(2);
  }
  return v;
}

// Clock ticks per second of /proc/PID/stat's times.
export let CLK_TCK = 100;
try {
  CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  /* 100 on every Linux we run on */
}

// CPU seconds (user + system) process `pid` has used so far; NaN once it is gone.
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK; // utime, stime
  } catch {
    return NaN;
  }
}

// A "key: N kB" line of /proc/PID/status (VmRSS, VmHWM) in KiB; NaN if absent or gone.
export function memKiB(pid, key) {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

// POSTs `body` to http://127.0.0.1:port/mcp with the JSON and MCP Accept headers plus `headers`
// on `agent` (keep-alive); resolves to { status, headers, body } once the whole body is in,
// rejects on a network error or after stallMs without an answer.
export function postMcp(agent, port, headers, body, stallMs) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', agent,
                               headers: { 'content-type': 'application/json',
                                          accept: 'application/json, text/event-stream',
                                          'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
                                      body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
    req.setTimeout(stallMs, () => req.destroy(new Error(`no answer in ${stallMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

// Waits (30 s at most) until the spawned HTTP server `proc` (stderr piped) logs "listening on
// http://127.0.0.1:PORT/". Resolves to { port, exited, stderr }: exited resolves to
// { code, signal } when the process ends, stderr() is the last 20,000 characters it logged.
// Rejects, with that log, when it exits first or does not listen in time.
export async function waitListening(proc, name) {
  let stderr = '';
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not listen in 30 s:\n${stderr}`)), 30000);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-20000);
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  });
  return { port, exited, stderr: () => stderr };
}
