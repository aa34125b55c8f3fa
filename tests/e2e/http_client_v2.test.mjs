// End-to-end: the official MCP TypeScript SDK v2 client (@modelcontextprotocol/client 2.4.0,
// StreamableHTTPClientTransport) against mcpd over Streamable HTTP, response_mode = auto.
//
// With versionNegotiation mode 'auto' the v2 client first probes the modern era (2026-07-28:
// server/discover with the modern _meta); mcpd answers it, so the client must settle on
// 2026-07-28 with no session at all. Pinned to 'legacy' the same client must still get a working
// 2025-11-25 session (both eras on one endpoint). The test records every HTTP exchange and prints
// it when anything fails, so a broken negotiation shows exactly what was sent and answered.
//
//   MCPD_BIN              the mcpd binary
//   MCPD_TEST_PLUGIN_DIR  <build>/tests/plugins (testkit.so)
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

import { recordingFetch, startMcpd, tail, withTimeout } from './http_server.mjs';

const BIN = process.env.MCPD_BIN;
const PLUGIN_DIR = process.env.MCPD_TEST_PLUGIN_DIR;
const REQ = { timeout: 10_000 };
const TEST = { timeout: 40_000 };
const MODERN_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';

let server;
let client;
let transport;
let f;
let failures = 0;
const clientErrors = [];

const textOf = (result) =>
  result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

function exchanges() {
  return f.log.map((e) => `${e.method} -> ${e.status} ${e.contentType ?? ''} ` +
                          `MCP-Protocol-Version=${e.protocolVersion ?? '-'} ${(e.body ?? '').slice(0, 300)}` +
                          `${e.answer ? `\n   <- ${e.answer.slice(0, 400)}` : ''}`).join('\n');
}

function check(name, fn) {
  test(name, TEST, async (t) => {
    try {
      await fn(t);
    } catch (err) {
      failures++;
      process.stderr.write(`\n--- ${name}: FAILED; mcpd stderr (last 30 lines) ---\n` +
                           `${tail(server?.stderr() ?? '', 30)}\n--- HTTP exchanges ---\n` +
                           `${exchanges()}\n--- end ---\n`);
      throw err;
    }
  });
}

// The recording fetch, plus the body of every non-SSE answer (they are small here).
function answeringFetch() {
  const inner = recordingFetch();
  const outer = async (url, init) => {
    const res = await inner(url, init);
    const entry = inner.log.at(-1);
    entry.sessionIdAnswered = res.headers.get('mcp-session-id') !== null;
    if (!(entry.contentType || '').startsWith('text/event-stream') && res.status !== 202) {
      const text = await res.text();
      entry.answer = text;
      return new Response(text, { status: res.status, statusText: res.statusText,
                                  headers: res.headers });
    }
    return res;
  };
  outer.log = inner.log;
  return outer;
}

describe('mcpd over Streamable HTTP with the SDK v2 client, versionNegotiation auto', () => {
  before(async () => {
    assert.ok(BIN && existsSync(BIN), `MCPD_BIN=${BIN} does not exist`);
    assert.ok(PLUGIN_DIR && existsSync(`${PLUGIN_DIR}/testkit.so`), 'no testkit.so');
    server = await startMcpd({
      bin: BIN, pluginDir: PLUGIN_DIR, http: { response_mode: 'auto' },
      plugins: [['testkit', 'testkit.so']],
    });
    f = answeringFetch();
    transport = new StreamableHTTPClientTransport(server.url, { fetch: f });
    client = new Client({ name: 'mcpd-e2e-v2-http', version: '1.0.0' }, {
      capabilities: {},
      versionNegotiation: { mode: 'auto', probe: { timeoutMs: 5_000 } },
    });
    client.onerror = (err) => clientErrors.push(err);
    try {
      await withTimeout(client.connect(transport, REQ), 20_000, 'connect (probe + fallback)');
    } catch (err) {
      failures++;
      process.stderr.write(`\n--- connect FAILED ---\n${tail(server.stderr(), 40)}\n` +
                           `--- HTTP exchanges ---\n${exchanges()}\n---\n`);
      throw err;
    }
  });

  after(async () => {
    await withTimeout(client?.close() ?? Promise.resolve(), 5_000, 'close').catch(() => {});
    if (server && server.proc.exitCode === null) {
      await server.stop();
    }
    if (failures > 0) {
      process.stderr.write(`\n--- full mcpd stderr ---\n${server?.stderr()}\n`);
    }
  });

  check('negotiation: auto mode settles on 2026-07-28 after server/discover, with no session', (t) => {
    for (const line of exchanges().split('\n').slice(0, 8)) {
      t.diagnostic(line);
    }
    const posts = f.log.filter((e) => e.method === 'POST');
    const probe = posts[0];
    assert.ok(probe?.body, 'no request was sent');
    const first = JSON.parse(probe.body);
    assert.equal(first.method, 'server/discover', 'the v2 client did not probe first');
    assert.equal(first.params?._meta?.[MODERN_VERSION_KEY], '2026-07-28');
    assert.equal(probe.status, 200, `the probe was answered ${probe.status} ${probe.answer}`);
    const discover = JSON.parse(probe.answer).result;
    assert.ok(discover.supportedVersions.includes('2026-07-28'));
    assert.equal(discover.resultType, 'complete');
    assert.equal(discover._meta?.['io.modelcontextprotocol/serverInfo']?.name, 'mcpd');
    assert.equal(typeof discover.ttlMs, 'number');
    assert.ok(!posts.some((e) => e.body && JSON.parse(e.body).method === 'initialize'),
              'the client fell back to initialize');
    assert.equal(client.getProtocolEra(), 'modern');
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
    // A modern request needs no session: none is minted or echoed.
    assert.equal(transport.sessionId, undefined);
    assert.ok(f.log.every((e) => !e.sessionIdAnswered), 'a response carried Mcp-Session-Id');
  });

  check('tools: list and call (JSON answer), progress (SSE answer in auto mode)', async () => {
    const { tools } = await client.listTools({}, REQ);
    assert.ok(tools.some((t) => t.name === 'echo'));
    const r = await client.callTool({ name: 'echo', arguments: { text: 'v2 over http' } }, REQ);
    assert.equal(textOf(r), 'v2 over http');
    const seen = [];
    const p = await client.callTool({ name: 'progress', arguments: { steps: 3, delay_ms: 40 } },
                                    { ...REQ, onprogress: (x) => seen.push(x.progress) });
    assert.equal(textOf(p), 'done');
    assert.ok(seen.length >= 2, JSON.stringify(seen));
    assert.deepEqual(seen, seen.map((_, i) => i + 1));
    const sse = f.log.filter((e) => e.method === 'POST' && e.body?.includes('"progress"'));
    assert.match(sse.at(-1).contentType, /^text\/event-stream/);
    // Every request carries the negotiated version, in the header and in _meta.
    const after = f.log.filter((e) => e.method === 'POST' && e.body?.includes('tools/'));
    for (const e of after) {
      assert.equal(e.protocolVersion, '2026-07-28');
      assert.equal(JSON.parse(e.body).params._meta[MODERN_VERSION_KEY], '2026-07-28');
    }
  });

  check('resources, prompts, completion', async () => {
    const r = await client.readResource({ uri: 'test://static-text' }, REQ);
    assert.equal(r.contents[0].text, 'This is the content of the static text resource.');
    const g = await client.getPrompt({ name: 'greet', arguments: { name: 'Ada', style: 'pirate' } }, REQ);
    assert.deepEqual(g.messages[1].content, { type: 'text', text: 'Ahoy, Ada!' });
    const c = await client.complete({ ref: { type: 'ref/prompt', name: 'greet' },
                                      argument: { name: 'style', value: 'c' } }, REQ);
    assert.deepEqual(c.completion.values, ['casual']);
  });

  check('close; mcpd exits 0 on SIGTERM', async () => {
    await client.close();
    client = undefined;
    const { code, signal } = await server.stop();
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
    assert.deepEqual(clientErrors.map(String).filter((e) => !/abort|terminated/i.test(e)), []);
  });
});
