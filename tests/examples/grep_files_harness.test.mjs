// example.grep_files.harness: the grep-files example (built against the installed SDK by
// example.grep_files.build) run through the plugin author's harness, `mcpd --plugin ... --call`,
// as its README shows: results, reasons and exit statuses (0 result, 1 isError or JSON-RPC
// error, 2 configuration or usage), for the tool, the resource template, the prompt, the typed
// and declared configuration keys, and the elicitation in both protocol eras.
//
//   MCPD_BIN        the mcpd binary
//   GREP_FILES_SO   the example plugin
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { ENTRIES, PARSE_CONFIG_MATCHES, SCANNED, makeTree } from './grep_files_tree.mjs';

const BIN = process.env.MCPD_BIN;
const SO = process.env.GREP_FILES_SO;
const TEST = { timeout: 60_000 };
const ACCEPT = JSON.stringify({ action: 'accept', content: { confirm: true } });
const DECLINE = JSON.stringify({ action: 'decline' });

let tree;

// Runs the harness with the plugin's section keys and more options: { status, out, err }, where
// out is the parsed stdout (undefined when empty).
function harness(keys, ...args) {
  const argv = ['--plugin', SO, '--log-level', 'debug'];
  for (const [k, v] of Object.entries({ root: tree.root, ...keys })) {
    argv.push('--section-key', `${k}=${v}`);
  }
  const r = spawnSync(BIN, [...argv, ...args], { encoding: 'utf8', timeout: 30_000 });
  const where = `mcpd ${[...argv, ...args].join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  assert.equal(r.error, undefined, where);
  assert.equal(r.signal, null, where);
  return { status: r.status, out: r.stdout.trim() ? JSON.parse(r.stdout) : undefined, err: r.stderr, where };
}

const grep = (keys, args, ...more) => harness(keys, '--call', 'grep', '--args', JSON.stringify(args), ...more);
const textOf = (result) => result.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');
// The notifications/message lines the harness printed on stderr, as their data strings.
const clientLogs = (err) =>
  err.split('\n').filter((l) => l.startsWith('{') && l.includes('notifications/message'))
    .map((l) => JSON.parse(l).params.data);
const progress = (err) =>
  err.split('\n').filter((l) => l.startsWith('{') && l.includes('notifications/progress'))
    .map((l) => JSON.parse(l).params);

describe('grep-files through mcpd --plugin', () => {
  before(() => {
    assert.ok(BIN && existsSync(BIN), `MCPD_BIN=${BIN} does not exist`);
    assert.ok(SO && existsSync(SO), `GREP_FILES_SO=${SO} does not exist (example.grep_files.build)`);
    tree = makeTree();
  });
  after(() => tree?.remove());

  test('--list: the tool, the template and the prompt', TEST, () => {
    const r = harness({}, '--list');
    assert.equal(r.status, 0, r.where);
    assert.deepEqual(r.out.tools.map((t) => t.name), ['grep']);
    assert.deepEqual(r.out.resourceTemplates.map((t) => t.uriTemplate), ['grep-files:///{path}']);
    assert.deepEqual(r.out.prompts.map((p) => p.name), ['find-usages']);
  });

  test('grep: structuredContent, a summary line, progress per file, skipped files logged', TEST, () => {
    const r = grep({}, { pattern: 'parse_config' });
    assert.equal(r.status, 0, r.where);
    assert.deepEqual(r.out.structuredContent,
                     { matches: PARSE_CONFIG_MATCHES, files_scanned: SCANNED, truncated: false });
    assert.equal(textOf(r.out), `5 matches for "parse_config" in ${SCANNED} of ${ENTRIES} files`);
    const p = progress(r.err);
    assert.deepEqual(p.map((x) => [x.progress, x.total]),
                     Array.from({ length: ENTRIES }, (_, i) => [i + 1, ENTRIES]), r.err);
    const logs = clientLogs(r.err);
    for (const line of ['skipped data/blob.bin: binary file',
                        'skipped link-out: a symbolic link (follow_symlinks is off)',
                        'skipped src/alias.c: a symbolic link (follow_symlinks is off)',
                        'skipped src/loop: a symbolic link (follow_symlinks is off)']) {
      assert.ok(logs.includes(line), `no client log "${line}" in ${JSON.stringify(logs)}`);
    }
  });

  test('grep: a regex, a subdirectory and max_matches (truncated)', TEST, () => {
    let r = grep({}, { pattern: '^int [a-z_]+\\(', regex: true, subdirectory: 'src' });
    assert.equal(r.status, 0, r.where);
    assert.deepEqual(r.out.structuredContent.matches.map((m) => `${m.path}:${m.line}`),
                     ['src/config.c:1', 'src/main.c:2']);
    r = grep({}, { pattern: 'parse_config', max_matches: 2 });
    assert.equal(r.status, 0, r.where);
    assert.equal(r.out.structuredContent.matches.length, 2);
    assert.equal(r.out.structuredContent.truncated, true);
    r = grep({ max_matches: '1' }, { pattern: 'parse_config', max_matches: 50 });
    assert.equal(r.out.structuredContent.matches.length, 1, 'the configured max_matches caps the argument');
  });

  test('grep: follow_symlinks follows a link inside the root, never one leading out or back up', TEST, () => {
    const r = grep({ follow_symlinks: 'yes' }, { pattern: 'parse_config' });
    assert.equal(r.status, 0, r.where);
    const paths = r.out.structuredContent.matches.map((m) => m.path);
    assert.ok(paths.includes('src/alias.c'), JSON.stringify(paths));
    assert.ok(!r.out.structuredContent.matches.some((m) => m.text.includes('secret')), r.where);
    const logs = clientLogs(r.err);
    assert.ok(logs.includes('skipped link-out: a symbolic link leading outside the root'), r.err);
    assert.ok(logs.includes('skipped src/loop: a symbolic link to a directory above it (a loop)'), r.err);
  });

  test('grep: max_file_size skips bigger files (and says so)', TEST, () => {
    const r = grep({ max_file_size: '40' }, { pattern: 'parse_config' });
    assert.equal(r.status, 0, r.where);
    const paths = r.out.structuredContent.matches.map((m) => m.path);
    assert.ok(!paths.includes('README.md'), JSON.stringify(paths)); // 56 bytes
    assert.ok(clientLogs(r.err).includes('skipped README.md: over max_file_size'), r.err);
  });

  test('grep: bad input is an isError result with the reason (exit 1)', TEST, () => {
    for (const [args, reason] of [
      [{ pattern: 'x', subdirectory: '../outside' }, "the path may not contain '..'"],
      [{ pattern: 'x', subdirectory: 'link-out' }, 'the path leads outside the root'],
      [{ pattern: 'x', subdirectory: 'src/alias.c' }, 'goes through a symbolic link'],
      [{ pattern: 'x', subdirectory: 'nope' }, 'no such file or directory under the root'],
      [{ pattern: '(', regex: true }, 'not a POSIX extended regular expression'],
    ]) {
      const r = grep({}, args);
      assert.equal(r.status, 1, r.where);
      assert.equal(r.out.isError, true, r.where);
      assert.ok(textOf(r.out).includes(reason), `${JSON.stringify(args)}: ${textOf(r.out)}`);
    }
  });

  test('--read through the template: a file, its reasons for refusing others', TEST, () => {
    let r = harness({}, '--read', 'grep-files:///src%2Fconfig.c');
    assert.equal(r.status, 0, r.where);
    assert.deepEqual(r.out.contents, [{ uri: 'grep-files:///src%2Fconfig.c', mimeType: 'text/plain',
                                        text: 'int parse_config(const char *path)\n{\n    return path != 0;\n}\n' }]);
    r = harness({}, '--read', 'grep-files:///space%20dir%2Fa%20b.txt');
    assert.equal(r.status, 0, r.where);
    for (const [uri, code, reason] of [
      ['grep-files:///..%2Foutside%2Fsecret.txt', -32602, "may not contain '..'"],
      ['grep-files:///link-out%2Fsecret.txt', -32602, 'leads outside the root'],
      ['grep-files:///src%2Falias.c', -32602, 'goes through a symbolic link (follow_symlinks is off)'],
      ['grep-files:///bad%zz', -32602, '%'],
      ['grep-files:///nope.txt', -32002, 'no such file'],
      ['grep-files:///src', -32002, 'a directory'],
    ]) {
      r = harness({}, '--read', uri);
      assert.equal(r.status, 1, r.where);
      assert.equal(r.out.code, code, r.where);
      assert.ok(r.out.message.includes(reason), r.where);
      assert.ok(!JSON.stringify(r.out).includes('secret outside'), r.where);
    }
    r = harness({ max_file_size: '10' }, '--read', 'grep-files:///README.md');
    assert.equal(r.status, 1, r.where);
    assert.equal(r.out.code, -32602, r.where);
    assert.ok(r.out.message.includes('over max_file_size'), r.where);
  });

  test('--prompt find-usages: the message, and invalid params with a reason', TEST, () => {
    let r = harness({}, '--prompt', 'find-usages', '--args', '{"symbol":"parse_config"}');
    assert.equal(r.status, 0, r.where);
    assert.equal(r.out.messages.length, 1);
    assert.equal(r.out.messages[0].role, 'user');
    assert.ok(r.out.messages[0].content.text.includes('{"pattern": "parse_config"}'), r.where);
    r = harness({}, '--prompt', 'find-usages', '--args', '{"symbol":"two words"}');
    assert.equal(r.status, 1, r.where);
    assert.equal(r.out.code, -32602, r.where);
    assert.ok(r.out.message.includes('symbol must be an identifier'), r.where);
  });

  test('configuration: typed values and declared keys are checked (exit 2)', TEST, () => {
    for (const [keys, what] of [
      [{ max_matchs: '3' }, 'max_matchs'],
      [{ max_file_size: 'huge' }, 'max_file_size'],
      [{ follow_symlinks: 'perhaps' }, 'follow_symlinks'],
      [{ scan_timeout: 'soon' }, 'scan_timeout'],
      [{ root: path.join(tree.dir, 'missing') }, 'root'],
    ]) {
      const r = grep(keys, { pattern: 'x' });
      assert.equal(r.status, 2, r.where);
      assert.equal(r.out, undefined, r.where);
      assert.ok(r.err.includes(what), `stderr does not name ${what}: ${r.where}`);
    }
  });

  test('mcpd --check-config: a misspelt key in mcp.ini fails with its line', TEST, () => {
    const ini = path.join(tree.dir, 'mcp.ini');
    const write = (key) => writeFileSync(ini, ['[server]', `runtime_dir = ${tree.dir}`, '',
                                               '[plugin grep-files]', `path = ${SO}`,
                                               `root = ${tree.root}`, `${key} = 5`, ''].join('\n'));
    write('max_matches');
    let r = spawnSync(BIN, ['--config', ini, '--check-config'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    write('max_matchs');
    r = spawnSync(BIN, ['--config', ini, '--check-config'], { encoding: 'utf8', timeout: 30_000 });
    assert.notEqual(r.status, 0, r.stderr);
    assert.match(r.stderr, /mcp\.ini:7:.*max_matchs/, r.stderr);
  });

  test('elicitation over confirm_over: accepted, declined, or not asked without the capability', TEST, () => {
    const keys = { confirm_over: '3' };
    let r = grep(keys, { pattern: 'parse_config' }, '--client-answer', ACCEPT);
    assert.equal(r.status, 0, r.where);
    assert.equal(r.out.structuredContent.matches.length, 5);
    assert.match(r.err, /elicitation\/create/, 'the question reached the client');
    assert.match(r.err, new RegExp(`scan ${ENTRIES} files under the root`), r.err);

    r = grep(keys, { pattern: 'parse_config' }, '--client-answer', DECLINE);
    assert.equal(r.status, 1, r.where);
    assert.equal(r.out.isError, true);
    assert.match(textOf(r.out), /the user did not confirm/);

    r = grep(keys, { pattern: 'parse_config' });
    assert.equal(r.status, 0, r.where);
    assert.equal(r.out.structuredContent.matches.length, 5);
    assert.ok(clientLogs(r.err).some((l) => l.includes('cannot confirm')), r.err);
  });

  test('the answer is parsed, not scanned (json_doc_*), also in an isolation=process helper', TEST, () => {
    // An escaped "accept" is still "accept"; a string "true" is no boolean; members in any order.
    const ESCAPED = '{"content":{"confirm":true},"action":"acc\\u0065pt"}';
    const STRING_TRUE = JSON.stringify({ action: 'accept', content: { confirm: 'true' } });
    for (const isolation of ['in-process', 'process']) {
      const keys = { confirm_over: '3', isolation };
      let r = grep(keys, { pattern: 'parse_config' }, '--client-answer', ESCAPED);
      assert.equal(r.status, 0, `${isolation}: ${r.where}`);
      assert.equal(r.out.structuredContent.matches.length, 5);
      r = grep(keys, { pattern: 'parse_config' }, '--client-answer', STRING_TRUE);
      assert.equal(r.status, 1, `${isolation}: ${r.where}`);
      assert.match(textOf(r.out), /the user did not confirm/);
    }
  });

  test('elicitation in the 2026-07-28 era: input_required, then the rerun with the answer', TEST, () => {
    const keys = { confirm_over: '3' };
    let r = grep(keys, { pattern: 'parse_config' }, '--protocol', '2026-07-28', '--client-answer', ACCEPT);
    assert.equal(r.status, 0, r.where);
    assert.deepEqual(r.out.structuredContent.matches, PARSE_CONFIG_MATCHES);
    r = grep(keys, { pattern: 'parse_config' }, '--protocol', '2026-07-28', '--client-answer', DECLINE);
    assert.equal(r.status, 1, r.where);
    assert.match(textOf(r.out), /the user did not confirm/);
  });
});
