// End-to-end, protocol 2026-07-28: the clients that speak it pick it by themselves against mcpd,
// and a subscriptions/listen stream hears about a reload that adds a plugin.
//
//   1. SDK v2 client (@modelcontextprotocol/client 2.4.0), versionNegotiation auto, over
//      Streamable HTTP and over stdio: it negotiates 2026-07-28; client.listen({toolsListChanged})
//      is acknowledged; the config gains the echo plugin, SIGHUP, and the stream delivers
//      notifications/tools/list_changed, after which tools/list has echo.
//   2. The Vercel AI SDK client (@ai-sdk/mcp 2.0.99) over HTTP: it settles on 2026-07-28 without
//      initialize, lists the tools and calls one.
//
//   MCPD_BIN         the mcpd binary
//   MCPD_PLUGIN_DIR  <build>/plugins (conformance.so, echo.so)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { createMCPClient } from '@ai-sdk/mcp';

import { startMcpd, tail, withTimeout } from './http_server.mjs';

const BIN = process.env.MCPD_BIN;
const PLUGIN_DIR = process.env.MCPD_PLUGIN_DIR;
const REQ = { timeout: 10_000 };
const TEST = { timeout: 60_000 };

const textOf = (result) =>
  result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

// Resolves with the first notification `method` the client receives, within `ms`.
function nextNotification(client, method, ms) {
  return withTimeout(new Promise((resolve) => {
    client.setNotificationHandler(method, (n) => resolve(n));
  }), ms, `${method} on the listen stream`);
}

// Adds [plugin echo] to the ini at `file` (the reload then loads it).
function addEchoPlugin(file) {
  writeFileSync(file, `${readFileSync(file, 'utf8')}\n[plugin echo]\npath = echo.so\n`);
}

// Opens a listen stream for tool changes, adds a plugin, reloads with `reload()`, and checks
// that the change reaches the stream and the new tool is listed.
async function listenThroughReload(client, file, reload) {
  const before = (await client.listTools({}, REQ)).tools.map((t) => t.name);
  assert.ok(!before.includes('echo'), 'echo is there before the reload');
  const sub = await client.listen({ toolsListChanged: true }, REQ);
  assert.deepEqual(sub.honoredFilter, { toolsListChanged: true });
  const changed = nextNotification(client, 'notifications/tools/list_changed', 20_000);
  addEchoPlugin(file);
  reload();
  const n = await changed;
  assert.equal(n.method, 'notifications/tools/list_changed');
  const after = (await client.listTools({}, REQ)).tools.map((t) => t.name);
  assert.ok(after.includes('echo'), `echo missing after the reload: ${after}`);
  const r = await client.callTool({ name: 'echo', arguments: { text: 'after reload' } }, REQ);
  assert.match(textOf(r), /after reload/);
  await sub.close();
}

describe('SDK v2 client over Streamable HTTP: 2026-07-28 and subscriptions/listen', () => {
  let server;
  let client;
  before(async () => {
    assert.ok(BIN && existsSync(BIN), `MCPD_BIN=${BIN} does not exist`);
    assert.ok(PLUGIN_DIR && existsSync(`${PLUGIN_DIR}/echo.so`), `no echo.so in ${PLUGIN_DIR}`);
    server = await startMcpd({ bin: BIN, pluginDir: PLUGIN_DIR,
                               plugins: [['conformance', 'conformance.so']] });
    client = new Client({ name: 'mcpd-e2e-modern', version: '1.0.0' },
                        { capabilities: {}, versionNegotiation: { mode: 'auto' } });
    await withTimeout(client.connect(new StreamableHTTPClientTransport(server.url), REQ), 20_000,
                      'connect');
  });
  after(async () => {
    await withTimeout(client?.close() ?? Promise.resolve(), 5_000, 'close').catch(() => {});
    if (server && server.proc.exitCode === null) {
      await server.stop();
    }
  });

  test('auto mode negotiates 2026-07-28', TEST, () => {
    assert.equal(client.getProtocolEra(), 'modern');
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
  });

  test('a listen stream gets tools/list_changed after a SIGHUP that adds a plugin', TEST, async () => {
    try {
      await listenThroughReload(client, path.join(server.dir, 'mcp.ini'),
                                () => server.proc.kill('SIGHUP'));
    } catch (err) {
      process.stderr.write(`--- mcpd stderr ---\n${tail(server.stderr(), 40)}\n`);
      throw err;
    }
  });

  test('mcpd exits 0 on SIGTERM', TEST, async () => {
    await client.close();
    client = undefined;
    assert.deepEqual(await server.stop(), { code: 0, signal: null });
  });
});

describe('SDK v2 client over stdio: 2026-07-28 and subscriptions/listen', () => {
  let dir;
  let ini;
  let client;
  let transport;
  let stderr = '';
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'mcpd-e2e-modern-'));
    ini = path.join(dir, 'mcp.ini');
    writeFileSync(ini, ['[server]', 'transport = stdio', `plugin_dir = ${PLUGIN_DIR}`, '',
                        '[log]', 'level = debug', '', '[plugin conformance]',
                        'path = conformance.so', ''].join('\n'));
    // A transport subclass is probed in place: one mcpd process serves everything.
    class InPlace extends StdioClientTransport {}
    transport = new InPlace({ command: BIN, args: ['--config', ini], env: { ...process.env },
                              stderr: 'pipe' });
    transport.stderr.on('data', (c) => {
      stderr += c;
    });
    client = new Client({ name: 'mcpd-e2e-modern', version: '1.0.0' },
                        { capabilities: {}, versionNegotiation: { mode: 'auto' } });
    await withTimeout(client.connect(transport, REQ), 20_000, 'connect');
  });
  after(async () => {
    await withTimeout(client?.close() ?? Promise.resolve(), 10_000, 'close').catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });

  test('auto mode negotiates 2026-07-28', TEST, () => {
    assert.equal(client.getProtocolEra(), 'modern');
    assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
  });

  test('a listen stream gets tools/list_changed after a SIGHUP that adds a plugin', TEST, async () => {
    try {
      await listenThroughReload(client, ini, () => transport._process.kill('SIGHUP'));
    } catch (err) {
      process.stderr.write(`--- mcpd stderr ---\n${tail(stderr, 40)}\n`);
      throw err;
    }
  });

  test('closing the client ends mcpd with exit code 0', TEST, async () => {
    const child = transport._process;
    const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    await client.close();
    client = undefined;
    assert.deepEqual(await withTimeout(exited, 20_000, 'mcpd exit'), { code: 0, signal: null });
  });
});

describe('@ai-sdk/mcp over Streamable HTTP picks 2026-07-28', () => {
  let server;
  let client;
  const bodies = [];
  const realFetch = globalThis.fetch;
  before(async () => {
    server = await startMcpd({ bin: BIN, pluginDir: PLUGIN_DIR,
                               plugins: [['conformance', 'conformance.so']] });
    // Records what the client sends (it uses the global fetch).
    globalThis.fetch = async (url, init = {}) => {
      if (typeof init.body === 'string') {
        bodies.push(JSON.parse(init.body));
      }
      return realFetch(url, init);
    };
    client = await withTimeout(createMCPClient({ transport: { type: 'http', url: server.url.href } }),
                               20_000, 'createMCPClient');
  });
  after(async () => {
    globalThis.fetch = realFetch;
    await withTimeout(client?.close() ?? Promise.resolve(), 5_000, 'close').catch(() => {});
    if (server && server.proc.exitCode === null) {
      await server.stop();
    }
  });

  test('it settled on 2026-07-28 without initialize', TEST, () => {
    assert.equal(client.protocolVersion, '2026-07-28');
    assert.equal(client.protocolEra, 'modern');
    assert.equal(client.serverInfo.name, 'mcpd');
    assert.ok(!bodies.some((b) => b.method === 'initialize'), 'the client sent initialize');
  });

  test('it lists the tools and calls one', TEST, async () => {
    const tools = await client.tools();
    assert.ok('test_simple_text' in tools, Object.keys(tools).join(','));
    const r = await client.callTool({ name: 'test_simple_text', arguments: {} });
    assert.equal(textOf(r), 'This is a simple text response for testing.');
    const modern = bodies.filter((b) => b.params?._meta?.['io.modelcontextprotocol/protocolVersion']);
    assert.ok(modern.some((b) => b.method === 'tools/call'), 'tools/call without the modern _meta');
  });

  test('mcpd exits 0 on SIGTERM', TEST, async () => {
    await client.close();
    client = undefined;
    assert.deepEqual(await server.stop(), { code: 0, signal: null });
  });
});
