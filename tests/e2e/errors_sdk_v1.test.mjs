// End-to-end: what a plugin's errors look like to the official TypeScript SDK v1 client
// (@modelcontextprotocol/sdk), with the reasons test plugin (tests/plugins/reasons.c).
//
//   MCPD_BIN              path of the mcpd binary
//   MCPD_TEST_PLUGIN_DIR  where reasons.so is
//
// The v1 client validates structuredContent against a tool's outputSchema on every result, an
// error result included, and throws on a mismatch (client/index.js callTool): mcpd sends a
// plugin's error result with its structuredContent only when it matches, so neither call
// below may throw. fail() reaches the client as an McpError with the plugin's code and message.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

const BIN = process.env.MCPD_BIN;
const PLUGINS = process.env.MCPD_TEST_PLUGIN_DIR;
const REQ = { timeout: 10_000 };
const TEST = { timeout: 30_000 };

let client;
let dir;
let stderr = '';

describe('plugin errors through the TypeScript SDK v1 client', () => {
  before(async () => {
    assert.ok(BIN && PLUGINS, 'MCPD_BIN and MCPD_TEST_PLUGIN_DIR must be set (ctest sets them)');
    dir = mkdtempSync(path.join(tmpdir(), 'mcpd-errors-'));
    const ini = path.join(dir, 'mcp.ini');
    writeFileSync(ini, `[server]\ntransport = stdio\nplugin_dir = ${PLUGINS}\n\n` +
                       '[log]\nlevel = debug\n\n[plugin reasons]\npath = reasons.so\n');
    const transport = new StdioClientTransport({
      command: BIN, args: ['--config', ini], env: { ...process.env }, stderr: 'pipe',
    });
    transport.stderr.on('data', (d) => { stderr += d; });
    client = new Client({ name: 'mcpd-errors-e2e', version: '1.0.0' });
    await client.connect(transport, REQ);
    // listTools caches the outputSchema validators callTool() applies.
    const { tools } = await client.listTools({}, REQ);
    assert.ok(tools.find((t) => t.name === 'err_structured').outputSchema);
  });

  after(async () => {
    await client?.close();
    if (dir) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('an error result keeps structuredContent that matches its outputSchema', TEST, async () => {
    const r = await client.callTool({ name: 'err_structured', arguments: { valid: true } },
                                    undefined, REQ);
    assert.equal(r.isError, true);
    assert.deepEqual(r.structuredContent, { n: 1 });
  });

  test('a mismatching one is dropped, so the client does not throw', TEST, async () => {
    const r = await client.callTool({ name: 'err_structured', arguments: { valid: false } },
                                    undefined, REQ);
    assert.equal(r.isError, true);
    assert.equal(r.structuredContent, undefined);
    assert.match(r.content[0].text, /boom/);
  });

  test('fail() is an McpError with the plugin\'s code and message', TEST, async () => {
    const cases = [
      ['reasons://d/missing', -32002, /no such document/],
      ['reasons://d/invalid', -32602, /name must not be "invalid"/],
      ['reasons://d/app', 4001, /application says no/],
    ];
    for (const [uri, code, message] of cases) {
      await assert.rejects(client.readResource({ uri }, REQ), (err) => {
        assert.ok(err instanceof McpError, `${uri}: ${err}`);
        assert.equal(err.code, code, `${uri}: ${err.message}`);
        assert.match(err.message, message);
        return true;
      });
    }
    const p = client.getPrompt({ name: 'reasons_prompt', arguments: { n: 'x' } }, REQ);
    await assert.rejects(p, (err) => err.code === -32602 && /must be digits/.test(err.message));
  });
});
