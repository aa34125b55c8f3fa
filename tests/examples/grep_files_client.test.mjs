// example.grep_files.client: the grep-files example (built against the installed SDK by
// example.grep_files.build) served by mcpd over stdio to the official v2 TypeScript client
// (@modelcontextprotocol/client 2.4.0, pinned in tests/e2e/package.json):
//   - versionNegotiation 'auto' (2026-07-28): tools/list, grep with progress (onprogress) and
//     its structuredContent, the template's list and read (and a refused read with its reason),
//     the prompt (and a bad argument), completion of a path and of a symbol, and a grep over
//     confirm_over: elicitation as input_required, the handler rerun with the answer;
//   - 'legacy' (2025-11-25): the same elicitation as a real elicitation/create request the
//     client answers (declined here), and the client log lines for skipped files;
//   - cancellation: a grep aborted while it scans a large first file stops before the next file
//     (no further progress), and the server goes on serving.
// Closing the client must end mcpd with exit code 0 (under ASan: no leaks).
//
//   MCPD_BIN        the mcpd binary
//   GREP_FILES_SO   the example plugin
//
// The script lives outside tests/e2e, so the packages npm installed there are loaded by path.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { ENTRIES, PARSE_CONFIG_MATCHES, SCANNED, makeTree } from './grep_files_tree.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'e2e', 'package.json'));
const { Client, ProtocolError } = require('@modelcontextprotocol/client');
const { StdioClientTransport } = require('@modelcontextprotocol/client/stdio');

const BIN = process.env.MCPD_BIN;
const SO = process.env.GREP_FILES_SO;
const REQ = { timeout: 15_000 };
const TEST = { timeout: 60_000 };

const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
const tail = (text, lines) => text.split('\n').slice(-lines).join('\n');

// A progress notification read in the same chunk as its response finds its handler gone
// (typescript-sdk#2580): the test checks progress on the wire.
const SDK_PROGRESS_RACE = /Received a progress notification for an unknown token/;

function withTimeout(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

async function rejectsWith(promise, code, reason) {
  await assert.rejects(promise, (err) => {
    assert.ok(err instanceof ProtocolError, `expected a ProtocolError, got ${err}`);
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.includes(reason), `"${err.message}" does not say "${reason}"`);
    return true;
  });
}

// A test that prints the tail of its servers' stderr when it fails.
function check(name, sessions, fn) {
  test(name, TEST, async () => {
    try {
      await fn();
    } catch (err) {
      for (const s of sessions().filter(Boolean)) {
        process.stderr.write(`--- mcpd stderr (${s.ini}) ---\n${tail(s.stderr, 60)}\n`);
      }
      throw err;
    }
  });
}

// One mcpd over stdio with grep-files on `root` and extra section keys, and a v2 client in
// `mode` that answers every elicitation/create with `answer` (and records the questions).
class Session {
  constructor(dir, root, mode, keys, answer) {
    this.ini = path.join(dir, `mcp-${mode}.ini`);
    writeFileSync(this.ini, ['[server]', 'transport = stdio', '', '[log]', 'level = debug', '',
                             '[plugin grep-files]', `path = ${SO}`, `root = ${root}`,
                             ...Object.entries(keys).map(([k, v]) => `${k} = ${v}`), ''].join('\n'));
    this.stderr = '';
    this.asked = [];
    this.logs = [];
    this.errors = [];
    this.client = new Client({ name: 'grep-files-example-test', version: '1.0.0' },
                             { capabilities: { elicitation: { form: {} } },
                               versionNegotiation: { mode } });
    this.client.onerror = (err) => this.errors.push(err);
    this.client.setRequestHandler('elicitation/create', async (req) => {
      this.asked.push(req.params.message);
      return answer;
    });
    this.client.setNotificationHandler('notifications/message', (n) => this.logs.push(n.params.data));
  }

  async connect() {
    // A transport subclass is probed in place: one mcpd process serves everything.
    class InPlace extends StdioClientTransport {}
    const transport = new InPlace({ command: BIN, args: ['--config', this.ini],
                                    env: { ...process.env }, stderr: 'pipe' });
    transport.stderr.on('data', (chunk) => {
      this.stderr += chunk;
    });
    // Every message from mcpd, in arrival order, caught through an accessor on onmessage (so
    // whoever installs the handler is recorded).
    this.wire = [];
    let handler;
    Object.defineProperty(transport, 'onmessage', {
      configurable: true,
      get: () => handler,
      set: (fn) => {
        handler = fn && ((msg, extra) => {
          this.wire.push(msg);
          return fn(msg, extra);
        });
      },
    });
    this.child = () => transport._process;
    await withTimeout(this.client.connect(transport, REQ), 20_000, 'connect');
  }

  // Closing stdin must end mcpd by itself with exit code 0.
  async close() {
    const proc = this.child?.();
    assert.ok(proc, 'mcpd was never started');
    const exited = proc.exitCode === null && proc.signalCode === null
      ? new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })))
      : Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
    await withTimeout(this.client.close(), 10_000, 'close');
    return withTimeout(exited, 20_000, 'mcpd exit');
  }

}

let tree;
before(() => {
  assert.ok(BIN && existsSync(BIN), `MCPD_BIN=${BIN} does not exist`);
  assert.ok(SO && existsSync(SO), `GREP_FILES_SO=${SO} does not exist (example.grep_files.build)`);
  tree = makeTree('mcpd-grep-files-client-');
});
after(() => tree?.remove());

describe('grep-files with the v2 client, 2026-07-28 (auto)', () => {
  let s;
  before(async () => {
    s = new Session(tree.dir, tree.root, 'auto', {}, { action: 'accept', content: { confirm: true } });
    await s.connect();
  });
  after(async () => {
    await s?.close().catch(() => {});
  });

  check('negotiates 2026-07-28', () => [s], () => {
    assert.equal(s.client.getNegotiatedProtocolVersion(), '2026-07-28');
  });

  check('tools/list: grep with its input and output schemas', () => [s], async () => {
    const { tools } = await s.client.listTools({}, REQ);
    assert.deepEqual(tools.map((t) => t.name), ['grep']);
    assert.deepEqual(tools[0].inputSchema.required, ['pattern']);
    assert.deepEqual(tools[0].outputSchema.required, ['matches', 'files_scanned', 'truncated']);
    assert.equal(tools[0].annotations?.readOnlyHint, true);
  });

  check('grep: progress per file, then structuredContent and a summary', () => [s], async () => {
    const mark = s.wire.length;
    const seen = [];
    const r = await s.client.callTool({ name: 'grep', arguments: { pattern: 'parse_config' } },
                                      { ...REQ, onprogress: (p) => seen.push(p) });
    assert.notEqual(r.isError, true, textOf(r));
    assert.deepEqual(r.structuredContent,
                     { matches: PARSE_CONFIG_MATCHES, files_scanned: SCANNED, truncated: false });
    assert.match(textOf(r), /^5 matches for "parse_config"/);
    // On the wire: one notification per listed file, in order, with the listed total, all before
    // the response.
    const msgs = s.wire.slice(mark);
    const notes = msgs.flatMap((m, i) => (m.method === 'notifications/progress' ? [{ m, i }] : []));
    assert.deepEqual(notes.map(({ m }) => [m.params.progress, m.params.total]),
                     Array.from({ length: ENTRIES }, (_, i) => [i + 1, ENTRIES]));
    const answer = msgs.findIndex((m) => m.id !== undefined && m.method === undefined);
    assert.ok(notes.every(({ i }) => i < answer), 'a progress notification after the response');
    // What reached onprogress is a prefix of them: the SDK drops the ones read in the same chunk
    // as the response (typescript-sdk#2580), which a scan this fast can be all of them.
    assert.deepEqual(seen.map((p) => p.progress), notes.slice(0, seen.length).map(({ m }) => m.params.progress));
    assert.deepEqual(s.errors.filter((e) => !SDK_PROGRESS_RACE.test(String(e))), []);
  });

  check('resources: the template, its list, a read, a refused read with the reason', () => [s], async () => {
    const { resourceTemplates } = await s.client.listResourceTemplates({}, REQ);
    assert.deepEqual(resourceTemplates.map((t) => [t.name, t.uriTemplate]),
                     [['root-file', 'grep-files:///{path}']]);
    const { resources } = await s.client.listResources({}, REQ);
    const uris = resources.map((r) => r.uri);
    for (const uri of ['grep-files:///src%2Fmain.c', 'grep-files:///space%20dir%2Fa%20b.txt']) {
      assert.ok(uris.includes(uri), `${uri} not in ${JSON.stringify(uris)}`);
    }
    assert.ok(!uris.includes('grep-files:///link-out'), 'a link that is not followed is not listed');
    const r = await s.client.readResource({ uri: 'grep-files:///src%2Fmain.c' }, REQ);
    assert.equal(r.contents[0].text, '#include "config.h"\nint main(void)\n{\n    return parse_config("mcp.ini");\n}\n');
    await rejectsWith(s.client.readResource({ uri: 'grep-files:///..%2Foutside%2Fsecret.txt' }, REQ),
                      -32602, "may not contain '..'");
  });

  check('prompts: find-usages and a bad symbol refused with the reason', () => [s], async () => {
    const g = await s.client.getPrompt({ name: 'find-usages', arguments: { symbol: 'parse_config' } }, REQ);
    assert.equal(g.messages[0].role, 'user');
    assert.match(g.messages[0].content.text, /grep tool with \{"pattern": "parse_config"\}/);
    await rejectsWith(s.client.getPrompt({ name: 'find-usages', arguments: { symbol: '1x' } }, REQ),
                      -32602, 'symbol must be an identifier');
  });

  check('completion: template paths and symbols (recent searches first)', () => [s], async () => {
    const complete = async (ref, name, value) =>
      (await s.client.complete({ ref, argument: { name, value } }, REQ)).completion.values;
    const tmpl = { type: 'ref/resource', uri: 'grep-files:///{path}' };
    assert.deepEqual(await complete(tmpl, 'path', ''), ['README.md', 'data/', 'space dir/', 'src/']);
    assert.deepEqual(await complete(tmpl, 'path', 'src/ma'), ['src/main.c']);
    assert.deepEqual(await complete(tmpl, 'path', '../'), []);
    const prompt = { type: 'ref/prompt', name: 'find-usages' };
    const values = await complete(prompt, 'symbol', 'pa');
    assert.equal(values[0], 'parse_config', JSON.stringify(values)); // searched above
    assert.ok(values.includes('path'), JSON.stringify(values)); // from src/config.c
    assert.ok(values.every((v) => v.startsWith('pa')), JSON.stringify(values));
  });

  check('closing stdin ends mcpd with exit code 0', () => [s], async () => {
    const exit = await s.close();
    assert.deepEqual(exit, { code: 0, signal: null }, s.stderr);
    s = undefined;
  });
});

describe('grep-files with the v2 client: elicitation over confirm_over', () => {
  let modern;
  let legacy;
  before(async () => {
    modern = new Session(tree.dir, tree.root, 'auto', { confirm_over: 3 },
                         { action: 'accept', content: { confirm: true } });
    legacy = new Session(tree.dir, tree.root, 'legacy', { confirm_over: 3 }, { action: 'decline' });
    await Promise.all([modern.connect(), legacy.connect()]);
  });
  after(async () => {
    await Promise.all([modern?.close().catch(() => {}), legacy?.close().catch(() => {})]);
  });

  check('2026-07-28: input_required, the client answers, the rerun scans', () => [modern, legacy], async () => {
    assert.equal(modern.client.getNegotiatedProtocolVersion(), '2026-07-28');
    const r = await modern.client.callTool({ name: 'grep', arguments: { pattern: 'parse_config' } }, REQ);
    assert.notEqual(r.isError, true, textOf(r));
    assert.deepEqual(r.structuredContent.matches, PARSE_CONFIG_MATCHES);
    assert.deepEqual(modern.asked, [`grep-files is about to scan ${ENTRIES} files under the root. Go on?`]);
  });

  check('2025-11-25: a real elicitation/create, declined: an error result, nothing scanned', () => [modern, legacy], async () => {
    assert.equal(legacy.client.getNegotiatedProtocolVersion(), '2025-11-25');
    await legacy.client.setLoggingLevel('info', REQ);
    const r = await legacy.client.callTool({ name: 'grep', arguments: { pattern: 'parse_config', subdirectory: 'src' } }, REQ);
    assert.equal(r.isError, true);
    assert.match(textOf(r), /the user did not confirm scanning 5 files/);
    assert.deepEqual(legacy.asked, ['grep-files is about to scan 5 files under /src. Go on?']);
  });

  check('2025-11-25: client log lines (info) for the files a scan skips', () => [modern, legacy], async () => {
    const r = await legacy.client.callTool({ name: 'grep', arguments: { pattern: 'main', subdirectory: 'data' } }, REQ);
    assert.notEqual(r.isError, true, textOf(r));
    assert.deepEqual(r.structuredContent, { matches: [], files_scanned: 1, truncated: false });
    assert.ok(legacy.logs.includes('skipped data/blob.bin: binary file'), JSON.stringify(legacy.logs));
  });

  check('closing stdin ends both servers with exit code 0', () => [modern, legacy], async () => {
    const [a, b] = await Promise.all([modern.close(), legacy.close()]);
    assert.deepEqual(a, { code: 0, signal: null }, modern.stderr);
    assert.deepEqual(b, { code: 0, signal: null }, legacy.stderr);
    modern = legacy = undefined;
  });
});

describe('grep-files with the v2 client: cancellation between files', () => {
  const FILES = 40;
  let s;
  before(async () => {
    // big/00.txt takes a while to scan (a regex over 400,000 lines, 40 MB); the client cancels on
    // the first progress notification, which the plugin sends before it opens that file.
    const big = path.join(tree.root, 'big');
    mkdirSync(big);
    writeFileSync(path.join(big, '00.txt'), `${'abcdefghij'.repeat(10)}\n`.repeat(400_000));
    for (let i = 1; i < FILES; i++) {
      writeFileSync(path.join(big, `${String(i).padStart(2, '0')}.txt`), 'parse_config\n');
    }
    s = new Session(tree.dir, tree.root, 'auto', { max_file_size: '64m', confirm_over: 0 }, {});
    await s.connect();
  });
  after(async () => {
    await s?.close().catch(() => {});
  });

  check('an aborted grep stops before its next file; the server goes on', () => [s], async () => {
    const mark = s.wire.length;
    const controller = new AbortController();
    const call = s.client.callTool(
      { name: 'grep', arguments: { pattern: '(a|b)+z', regex: true, subdirectory: 'big' } },
      { ...REQ, signal: controller.signal, onprogress: () => controller.abort() });
    await assert.rejects(call);
    const first = s.wire.slice(mark).find((m) => m.method === 'notifications/progress');
    assert.ok(first, 'no progress notification before the abort');
    const token = first.params.progressToken;
    // The server logs the call's end; every notification of the call was sent before it.
    const done = new RegExp(`tools/call id "?${token}"?: [0-9.]+ ms, cancelled by client`);
    for (let waited = 0; !done.test(s.stderr); waited += 50) {
      assert.ok(waited < 20_000, `the cancelled call did not end within 20 s:\n${tail(s.stderr, 20)}`);
      await sleep(50);
    }
    const notes = s.wire.slice(mark).filter((m) => m.method === 'notifications/progress' &&
                                                   m.params.progressToken === token);
    assert.deepEqual(notes.map((m) => m.params.progress), [1], 'progress went on after the abort');
    const r = await s.client.callTool({ name: 'grep', arguments: { pattern: 'parse_config', subdirectory: 'big' } }, REQ);
    assert.equal(r.structuredContent.matches.length, FILES - 1);
  });
});
