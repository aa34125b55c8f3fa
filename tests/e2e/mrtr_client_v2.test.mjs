// End-to-end, one plugin API for both protocol eras: the official v2 client
// (@modelcontextprotocol/client 2.4.0) calls a tool that asks the user something through
// client_request() (the conformance plugin's test_input_required_result_elicitation), over
// Streamable HTTP and over stdio.
//
//   auto mode    negotiates 2026-07-28 (asserted): mcpd answers input_required, the client's
//                multi-round driver runs the elicitation handler and retries with the answer
//   legacy mode  (versionNegotiation 'legacy') initialize + 2025-11-25: mcpd sends a real
//                elicitation/create request and the same handler answers it
//
// In both the tool's answer carries the name the handler gave, and the handler ran exactly once.
//
//   MCPD_BIN         the mcpd binary
//   MCPD_PLUGIN_DIR  <build>/plugins (conformance.so)
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import { startMcpd, tail, withTimeout } from './http_server.mjs';

const BIN = process.env.MCPD_BIN;
const PLUGIN_DIR = process.env.MCPD_PLUGIN_DIR;
const REQ = { timeout: 10_000 };
const TEST = { timeout: 60_000 };
const TOOL = 'test_input_required_result_elicitation';

const textOf = (result) =>
  result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

// A client that declares elicitation and answers every elicitation/create with `name`.
function elicitingClient(mode, name) {
  const options = { capabilities: { elicitation: { form: {} } } };
  if (mode) {
    options.versionNegotiation = { mode };
  }
  const client = new Client({ name: 'mcpd-e2e-mrtr', version: '1.0.0' }, options);
  const asked = [];
  client.setRequestHandler('elicitation/create', async (req) => {
    asked.push(req.params.message);
    return { action: 'accept', content: { name } };
  });
  return { client, asked };
}

async function askTool(client, asked, name) {
  const r = await client.callTool({ name: TOOL, arguments: {} }, REQ);
  assert.equal(textOf(r), `Hello, ${name}!`);
  assert.deepEqual(asked, ['What is your name?']);
}

for (const [label, mode, era, version] of [['auto', 'auto', 'modern', '2026-07-28'],
                                           ['pinned legacy', 'legacy', 'legacy', '2025-11-25']]) {
  describe(`SDK v2 client over Streamable HTTP, ${label}: a tool that asks the user`, () => {
    let server;
    let c;
    before(async () => {
      assert.ok(BIN && existsSync(BIN), `MCPD_BIN=${BIN} does not exist`);
      server = await startMcpd({ bin: BIN, pluginDir: PLUGIN_DIR,
                                 plugins: [['conformance', 'conformance.so']] });
      c = elicitingClient(mode, `http-${era}`);
      await withTimeout(c.client.connect(new StreamableHTTPClientTransport(server.url), REQ),
                        20_000, 'connect');
    });
    after(async () => {
      await withTimeout(c?.client.close() ?? Promise.resolve(), 5_000, 'close').catch(() => {});
      if (server && server.proc.exitCode === null) {
        await server.stop();
      }
    });

    test(`negotiates ${version}`, TEST, () => {
      assert.equal(c.client.getProtocolEra(), era);
      assert.equal(c.client.getNegotiatedProtocolVersion(), version);
    });

    test('elicitation through the same plugin call', TEST, async () => {
      try {
        await askTool(c.client, c.asked, `http-${era}`);
      } catch (err) {
        process.stderr.write(`--- mcpd stderr ---\n${tail(server.stderr(), 40)}\n`);
        throw err;
      }
    });

    test('mcpd exits 0 on SIGTERM', TEST, async () => {
      await c.client.close();
      assert.deepEqual(await server.stop(), { code: 0, signal: null });
    });
  });

  describe(`SDK v2 client over stdio, ${label}: a tool that asks the user`, () => {
    let dir;
    let c;
    let stderr = '';
    before(async () => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'mcpd-e2e-mrtr-'));
      const ini = path.join(dir, 'mcp.ini');
      writeFileSync(ini, ['[server]', 'transport = stdio', `plugin_dir = ${PLUGIN_DIR}`, '',
                          '[log]', 'level = debug', '', '[plugin conformance]',
                          'path = conformance.so', ''].join('\n'));
      // A transport subclass is probed in place: one mcpd process serves everything.
      class InPlace extends StdioClientTransport {}
      const transport = new InPlace({ command: BIN, args: ['--config', ini],
                                      env: { ...process.env }, stderr: 'pipe' });
      transport.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      c = elicitingClient(mode, `stdio-${era}`);
      await withTimeout(c.client.connect(transport, REQ), 20_000, 'connect');
    });
    after(async () => {
      await withTimeout(c?.client.close() ?? Promise.resolve(), 10_000, 'close').catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    });

    test(`negotiates ${version}`, TEST, () => {
      assert.equal(c.client.getProtocolEra(), era);
      assert.equal(c.client.getNegotiatedProtocolVersion(), version);
    });

    test('elicitation through the same plugin call', TEST, async () => {
      try {
        await askTool(c.client, c.asked, `stdio-${era}`);
      } catch (err) {
        process.stderr.write(`--- mcpd stderr ---\n${tail(stderr, 40)}\n`);
        throw err;
      }
    });
  });
}
