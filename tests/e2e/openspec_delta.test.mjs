// mcpd's spec-change validate against OpenSpec itself: every change folder below is validated
// by the pinned CLI (`openspec validate <change> --json --no-interactive`, package.json pins
// @fission-ai/openspec) and by the real mcpd binary's spec-change tool (over stdio, with the
// spec-change plugin of the build), and the two lists must agree finding for finding: level,
// file, line and the exact message, in the same order. Each case also names the DLT rules it
// must trigger, so a rule that stops firing on both sides still fails the test.
// Then one change with every delta operation is applied and archived by both (`openspec
// archive -y` in one copy of the project, spec-change apply + archive in another) and the
// resulting main specs must be byte for byte the same.
//
//   MCPD_BIN         the mcpd binary (ctest: $<TARGET_FILE:mcpd>)
//   MCPD_PLUGIN_DIR  the build's plugins folder (spec-change.so)
//
// By hand, from tests/e2e after `npm ci`:
//   MCPD_BIN=../../build/mcpd MCPD_PLUGIN_DIR=../../build/plugins \
//     node_modules/node/bin/node --test openspec_delta.test.mjs

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const OPENSPEC = path.join(HERE, 'node_modules/@fission-ai/openspec/bin/openspec.js');
const BIN = process.env.MCPD_BIN;
const PLUGIN_DIR = process.env.MCPD_PLUGIN_DIR;
const REQ = { timeout: 20_000 };
// No telemetry, no colour: the CLI runs offline and prints plain JSON.
const CLI_ENV = { ...process.env, NO_COLOR: '1', OPENSPEC_TELEMETRY: '0', DO_NOT_TRACK: '1' };

const MAIN_AUTH = `# auth Specification

## Purpose
Authentication of the users of the service: login, logout and their sessions.

## Requirements
### Requirement: Login
The system SHALL let a registered user log in with a password.

#### Scenario: Good password
- **WHEN** the password is right
- **THEN** a session starts

#### Scenario: Bad password
- **WHEN** the password is wrong
- **THEN** the login is refused

### Requirement: Logout
The system SHALL end the session on logout.

#### Scenario: Logout
- **WHEN** the user logs out
- **THEN** the session ends
`;

const req = (name, body = 'The system SHALL do it.', scen = '#### Scenario: Works\n- **WHEN** x\n- **THEN** y\n') =>
  `### Requirement: ${name}\n${body}\n\n${scen}`;
const TASKS = '## 1. Implementation\n- [ ] 1.1 Do it\n- [ ] 1.2 Test it\n';

// name -> {files: {relative path in the change: text}, rules: [DLT ids that must fire]}
const CASES = {
  'valid-change': { files: { 'specs/auth/spec.md': `## ADDED Requirements\n${req('Two factor')}` }, rules: [] },
  'dlt-001': { files: { 'specs/spec.md': `## ADDED Requirements\n${req('Root')}` }, rules: ['DLT-001'] },
  'dlt-002': { files: { 'specs/auth/spec.md': '# Notes\n\nJust some text.\n' }, rules: ['DLT-002'] },
  'dlt-003': { files: { 'specs/auth/spec.md': '## ADDED Requirements\n\nNothing yet.\n\n## REMOVED Requirements\n' }, rules: ['DLT-003'] },
  'dlt-004': {
    files: {
      'specs/auth/spec.md': `## ADDED Requirements\n${req('Audit')}\n${req('Audit')}\n## REMOVED Requirements\n- \`### Requirement: Gone\`\n- \`### Requirement: Gone\`\n`,
    },
    rules: ['DLT-004'],
  },
  'dlt-005': {
    files: {
      'specs/auth/spec.md': `## ADDED Requirements\n### Requirement: Empty body\n\n#### Scenario: S\n- **WHEN** a\n- **THEN** b\n\n### Requirement: The system SHALL lock accounts\n\n#### Scenario: S\n- **WHEN** a\n- **THEN** b\n`,
    },
    rules: ['DLT-005'],
  },
  'dlt-006': { files: { 'specs/auth/spec.md': `## ADDED Requirements\n${req('No modal', 'The system locks idle sessions.')}` }, rules: ['DLT-006'] },
  'dlt-007': {
    files: {
      'specs/auth/spec.md': `## ADDED Requirements\n${req('No scenario', 'The system SHALL log.', '')}\n${req('Empty scenario', 'The system SHALL warn.', '#### Scenario: Nothing\n')}`,
    },
    rules: ['DLT-007'],
  },
  'dlt-008': {
    files: {
      'specs/auth/spec.md': `## ADDED Requirements\n${req('Audit')}\n${req('Signout')}\n## MODIFIED Requirements\n${req('Login', 'The system SHALL let a user log in.', '#### Scenario: Good password\n- **WHEN** a\n- **THEN** b\n\n#### Scenario: Bad password\n- **WHEN** c\n- **THEN** d\n')}\n${req('Logout')}\n## REMOVED Requirements\n- \`### Requirement: Login\`\n- \`### Requirement: Audit\`\n- \`### Requirement: logout\`\n\n## RENAMED Requirements\n- FROM: \`### Requirement: Logout\`\n- TO: \`### Requirement: Signout\`\n`,
    },
    rules: ['DLT-008'],
  },
  'dlt-009': {
    files: { 'specs/auth/spec.md': `## MODIFIED Requirements\n${req('Login', 'The system SHALL let a user log in.', '#### Scenario: Good password\n- **WHEN** a\n- **THEN** b\n\n#### Scenario: Other\n- **WHEN** c\n- **THEN** d\n')}` },
    rules: ['DLT-009'],
  },
  'dlt-010': { files: { 'specs/broken/spec.md': `## MODIFIED Requirements\n${req('Anything')}` }, rules: ['DLT-010'] },
  'dlt-011': {
    files: { 'specs/auth/spec.md': `## ADDED Requirements\n### Notes\n\n### Requirement:\n\n${req('Audit')}` },
    rules: ['DLT-011'],
  },
  'dlt-012': { files: { 'proposal.md': '## Why\nBecause.\n' }, rules: ['DLT-012'] },
  'dlt-013': { files: { '.openspec.yaml': 'schema: spec-driven\nskip_specs: true\n' }, rules: ['DLT-013'] },
  'dlt-014': {
    files: { '.openspec.yaml': 'schema: spec-driven\nskip_specs: true\n', 'specs/auth/spec.md': `## ADDED Requirements\n${req('Audit')}` },
    rules: ['DLT-014'],
  },
  'dlt-015': { files: { '.openspec.yaml': 'schema: nope\nskip_specs: true\n' }, rules: ['DLT-015', 'DLT-012'] },
  'dlt-016-017': {
    files: {
      'specs/auth/spec.md': `## ADDED Requirements\n${req('Audit')}`,
      'tasks.md': '## 1. Build\n- [ ] 1.1 One\n- [ ] 2.1 Misplaced\n\n## 2. Test\n- [ ] 2.1 Two\n- [x] 1.1 Again\n',
    },
    rules: ['DLT-016', 'DLT-017'],
  },
  'dlt-018': {
    files: { 'specs/auth/spec.md': '## RENAMED Requirements\n- FROM: `### Requirement: Login`\n\n- TO: `### Requirement: Sign in`\n- TO: `### Requirement: Enter`\n' },
    rules: ['DLT-018'],
  },
  'dlt-019': {
    files: { 'specs/auth/spec.md': `${req('Orphan')}\n## Notes\n${req('Noted')}\n## ADDED Requirements\n${req('Audit')}` },
    rules: ['DLT-019'],
  },
  'dlt-021': {
    files: { 'specs/auth/spec.md': `## ADDED Requirements\n${req('Audit')}`, 'tasks.md': '---\ntitle: x\n---\n<!-- - not\n- this -->\n```\n- nor this\n```\n## 1. Build\n    - code\n1. Do it\n' },
    rules: ['DLT-021'],
  },
  'dlt-022': {
    files: {
      'specs/auth/spec.md': `## MODIFIED Requirements\n${req('Ghost')}`,
      'specs/newcap/spec.md': `## MODIFIED Requirements\n${req('X')}`,
      'specs/third/spec.md': `## ADDED Requirements\n${req('Login')}`,
    },
    rules: ['DLT-022'],
  },
  'dlt-022-near-miss': {
    files: { 'specs/auth/spec.md': `## ADDED Requirements\n${req('login')}\n## REMOVED Requirements\n- \`### Requirement: LOGOUT\`\n` },
    rules: ['DLT-022'],
  },
  'dlt-020': { files: { 'specs/auth.md': `## ADDED Requirements\n${req('Audit')}`, 'specs/auth/notes.md': `## ADDED Requirements\n${req('X')}` }, rules: ['DLT-020'] },
};

let project;
let client;
let transport;
let stderr = '';

function write(file, text) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

// OpenSpec's issue -> the shape mcpd reports. OpenSpec paths are relative to specs/ for delta
// files and to the change for the rest; "file" means the change as a whole.
function fromOpenSpec(i) {
  let file = i.path;
  if (file === 'file') file = null;
  else if (file !== 'tasks.md' && file !== '.openspec.yaml') file = `specs/${file}`;
  return { level: i.level.toLowerCase(), file, line: i.line ?? 0, message: i.message };
}

function fromMcpd(f) {
  return { level: f.severity, file: f.file ?? null, line: f.line ?? 0, message: f.message };
}

describe('spec-change validate agrees with openspec validate', () => {
  before(async () => {
    assert.ok(BIN && PLUGIN_DIR, 'MCPD_BIN and MCPD_PLUGIN_DIR must be set');
    project = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'mcpd-openspec-')));
    write(path.join(project, 'openspec/specs/auth/spec.md'), MAIN_AUTH);
    // DLT-010: the main spec of "broken" cannot be read (a folder where the file should be).
    mkdirSync(path.join(project, 'openspec/specs/broken/spec.md'), { recursive: true });
    for (const [id, c] of Object.entries(CASES)) {
      const dir = path.join(project, 'openspec/changes', id);
      mkdirSync(dir, { recursive: true });
      const files = { 'tasks.md': TASKS, ...c.files };
      for (const [rel, text] of Object.entries(files)) write(path.join(dir, rel), text);
    }
    const ini = path.join(project, 'mcp.ini');
    writeFileSync(ini, `[server]\ntransport = stdio\n\n[log]\nlevel = warning\n\n` +
      `[plugin spec-change]\npath = ${path.join(realpathSync(PLUGIN_DIR), 'spec-change.so')}\nroot = ${project}\n`);
    transport = new StdioClientTransport({ command: BIN, args: ['--config', ini], stderr: 'pipe' });
    transport.stderr.on('data', (chunk) => { stderr += chunk; });
    client = new Client({ name: 'mcpd-openspec-e2e', version: '1.0.0' }, { capabilities: {} });
    await client.connect(transport, REQ);
  });

  test('apply + archive write what openspec archive writes', { timeout: 60_000 }, async () => {
    const mine = path.join(project, 'merge-mcpd');
    const theirs = path.join(project, 'merge-openspec');
    const change = path.join(mine, 'openspec/changes/merge-all');
    write(path.join(mine, 'openspec/specs/auth/spec.md'), MAIN_AUTH.replace(
      '### Requirement: Logout', `${req('Session', 'The system SHALL expire idle sessions.')}\n### Requirement: Logout`));
    write(path.join(change, 'proposal.md'), '## Why\nA reason long enough to satisfy the proposal checks of openspec.\n\n## What Changes\n- all four operations\n');
    write(path.join(change, 'tasks.md'), '## 1. Implementation\n- [x] 1.1 Done\n');
    write(path.join(change, 'specs/auth/spec.md'),
      `## ADDED Requirements\n${req('Lockout', 'The system SHALL lock an account after 5 failures.')}\n` +
      `## MODIFIED Requirements\n${req('Login', 'The system SHALL ask for a one-time code.', '#### Scenario: Good password\n- **WHEN** a\n- **THEN** b\n\n#### Scenario: Bad password\n- **WHEN** c\n- **THEN** d\n\n#### Scenario: Wrong code\n- **WHEN** e\n- **THEN** f\n')}\n` +
      '## REMOVED Requirements\n### Requirement: Logout\n**Reason**: gone\n**Migration**: none\n\n' +
      '## RENAMED Requirements\n- FROM: `### Requirement: Session`\n- TO: `### Requirement: Session expiry`\n');
    write(path.join(change, 'specs/audit/log/spec.md'), `## ADDED Requirements\n${req('Audit trail')}`);
    cpSync(mine, theirs, { recursive: true });

    execFileSync(process.execPath, [OPENSPEC, 'archive', 'merge-all', '-y', '--no-color'],
      { cwd: theirs, encoding: 'utf8', timeout: 30_000, env: CLI_ENV });
    for (const action of ['apply', 'archive']) {
      const r = await client.callTool({ name: 'spec-change', arguments: { action, change: 'merge-all', projectPath: mine } }, undefined, REQ);
      assert.ok(!r.isError, `${action}: ${JSON.stringify(r.content)}\n${stderr}`);
    }
    for (const spec of ['auth/spec.md', 'audit/log/spec.md']) {
      assert.equal(readFileSync(path.join(mine, 'openspec/specs', spec), 'utf8'),
        readFileSync(path.join(theirs, 'openspec/specs', spec), 'utf8'), spec);
    }
    assert.deepEqual(readdirSync(path.join(mine, 'openspec/changes/archive')),
      readdirSync(path.join(theirs, 'openspec/changes/archive')));
  });

  after(async () => {
    await client?.close();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  for (const [id, c] of Object.entries(CASES)) {
    test(id, { timeout: 60_000 }, async () => {
      let out;
      try {
        out = execFileSync(process.execPath, [OPENSPEC, 'validate', id, '--json', '--no-interactive'],
          { cwd: project, encoding: 'utf8', timeout: 30_000, env: CLI_ENV });
      } catch (e) {
        out = e.stdout; // exit code 1 = invalid change, the JSON is still printed
      }
      const report = JSON.parse(out);
      const item = report.items.find((x) => x.id === id);
      assert.ok(item, `openspec reported no item ${id}: ${out}`);
      const expected = item.issues.map(fromOpenSpec);

      const r = await client.callTool({ name: 'spec-change', arguments: { action: 'validate', change: id } }, undefined, REQ);
      assert.ok(!r.isError, `spec-change failed: ${JSON.stringify(r.content)}\n${stderr}`);
      const env = r.structuredContent;
      const findings = env.findings ?? [];
      assert.deepEqual(findings.map(fromMcpd), expected);
      assert.equal(env.data.valid, item.valid, 'valid flag');
      const fired = new Set(findings.map((f) => f.ruleId));
      for (const rule of c.rules) assert.ok(fired.has(rule), `${rule} did not fire`);
      if (c.rules.length === 0) assert.equal(findings.length, 0);
    });
  }
});
