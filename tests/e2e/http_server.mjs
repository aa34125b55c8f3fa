// Starts mcpd over Streamable HTTP for the e2e tests (http_sdk_v1.test.mjs,
// http_client_v2.test.mjs): a temporary mcp.ini with port 0 on 127.0.0.1, the port read from the
// "listening on" line of its stderr, optional HTTPS with a throwaway CA made by the C helper
// mcpd_test_certgen (tests/http/certgen.c) and trusted by this Node process for fetch.
//
// Every wait is bounded. stop() sends SIGTERM and resolves with {code, signal}; under ASan a
// code of 0 also means "no leaks".
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

const trusted = new Set();

// Trusts `pem` (in addition to the ones before) for every TLS connection this process makes from
// now on, fetch included.
function trustCa(pem) {
  if (typeof tls.setDefaultCACertificates !== 'function') {
    throw new Error('this Node has no tls.setDefaultCACertificates (needs 22.19+)');
  }
  if (trusted.size === 0) {
    for (const ca of tls.getCACertificates('default')) {
      trusted.add(ca);
    }
  }
  trusted.add(pem);
  tls.setDefaultCACertificates([...trusted]);
}

// options: bin, pluginDir, plugins: [[name, path, {key: value}]], http: {key: value},
// heartbeat: {...}, limits: {...}, extraIni: text, tls: false, certgen: path of mcpd_test_certgen,
// keyPassword: encrypt the key with this and pass ssl_key_password.
export async function startMcpd(options) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mcpd-e2e-http-'));
  const lines = [
    '[server]',
    'transport = http-stream',
    'host = 127.0.0.1',
    'port = 0',
    `plugin_dir = ${options.pluginDir}`,
  ];
  let caPem;
  if (options.tls) {
    if (!options.certgen) {
      throw new Error('TLS needs MCPD_CERTGEN (the mcpd_test_certgen binary)');
    }
    const args = [dir];
    if (options.keyPassword) {
      args.push(options.keyPassword);
    }
    execFileSync(options.certgen, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    lines.push(`ssl_keyfile = ${dir}/key.pem`, `ssl_certfile = ${dir}/cert.pem`);
    if (options.keyPassword) {
      lines.push(`ssl_key_password = ${options.keyPassword}`);
    }
    caPem = readFileSync(path.join(dir, 'ca.pem'), 'utf8');
    trustCa(caPem);
  }
  lines.push('', '[log]', 'level = debug', '');
  for (const [section, values] of [['http', options.http], ['heartbeat', options.heartbeat],
    ['limits', options.limits]]) {
    if (values) {
      lines.push(`[${section}]`, ...Object.entries(values).map(([k, v]) => `${k} = ${v}`), '');
    }
  }
  if (options.extraIni) {
    lines.push(options.extraIni, ''); // more sections as they are ([auth], [tokens], ...)
  }
  for (const [name, file, extra] of options.plugins || []) {
    lines.push(`[plugin ${name}]`, `path = ${file}`,
               ...Object.entries(extra || {}).map(([k, v]) => `${k} = ${v}`), '');
  }
  const ini = path.join(dir, 'mcp.ini');
  writeFileSync(ini, lines.join('\n'));

  const proc = spawn(options.bin, ['--config', ini], {
    env: { ...process.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  const exited = new Promise((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mcpd did not listen within 30 s:\n${stderr}`)),
                             30_000);
    proc.stderr.on('data', (chunk) => {
      stderr += chunk;
      const m = /listening on (https?):\/\/(\S+?):(\d+)(\/\S*)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`mcpd exited (${code ?? signal}) before listening:\n${stderr}`));
    });
  });
  const m = await listening;
  const port = Number(m[3]);
  // The address it bound, for HTTPS too: the certificate names IP 127.0.0.1 as well as
  // "localhost", and a machine without an /etc/hosts entry for localhost must still pass.
  const host = '127.0.0.1';
  const url = new URL(`${m[1]}://${host}:${port}${m[4]}`);
  return {
    url,
    port,
    proc,
    dir,
    caPem,
    stderr: () => stderr,
    async stop(timeoutMs = 20_000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
      }
      let timer;
      const killed = new Promise((resolve) => {
        timer = setTimeout(() => {
          proc.kill('SIGKILL');
          resolve({ code: null, signal: 'SIGKILL (did not exit after SIGTERM)' });
        }, timeoutMs);
      });
      const result = await Promise.race([exited, killed]);
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return result;
    },
  };
}

export function tail(text, lines) {
  return text.split('\n').slice(-lines).join('\n');
}

export function withTimeout(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

// A fetch that records every request (method, last-event-id, body) and can cut an SSE response
// after its n-th event, as a dropped connection would: cut({match, afterEvents}) arms it for the
// next response that matches ({method, body, headers}) => boolean.
export function recordingFetch(baseFetch = globalThis.fetch) {
  const log = [];
  const plans = [];
  const f = async (url, init = {}) => {
    const method = (init.method || 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    const entry = {
      method,
      lastEventId: headers.get('last-event-id'),
      body: typeof init.body === 'string' ? init.body : undefined,
      protocolVersion: headers.get('mcp-protocol-version'),
    };
    log.push(entry);
    const res = await baseFetch(url, init);
    entry.status = res.status;
    entry.contentType = res.headers.get('content-type');
    const i = plans.findIndex((p) => p.match({ method, body: entry.body, headers }));
    if (i < 0 || !res.body || !(entry.contentType || '').startsWith('text/event-stream')) {
      return res;
    }
    const plan = plans.splice(i, 1)[0];
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const encoder = new TextEncoder();
    let text = '';
    let delivered = 0;
    const body = new ReadableStream({
      async pull(controller) {
        const { value, done } = await reader.read();
        if (done) {
          controller.close();
          return;
        }
        text += decoder.decode(value, { stream: true });
        let end = -1;
        let from = 0;
        for (let n = 0; n < plan.afterEvents; n++) {
          const k = text.indexOf('\n\n', from);
          if (k < 0) {
            end = -1;
            break;
          }
          end = k + 2;
          from = end;
        }
        if (end < 0) {
          controller.enqueue(encoder.encode(text.slice(delivered)));
          delivered = text.length;
          return;
        }
        controller.enqueue(encoder.encode(text.slice(delivered, end)));
        delivered = end;
        plan.cutEvents = text.slice(0, end);
        controller.close();
        plan.done = true;
        reader.cancel('e2e: connection dropped on purpose').catch(() => {});
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    });
    return new Response(body, { status: res.status, statusText: res.statusText,
                                headers: res.headers });
  };
  f.log = log;
  f.cut = (plan) => {
    plans.push(plan);
    return plan;
  };
  return f;
}
