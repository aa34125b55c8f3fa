// The file tree the grep-files example tests search (grep_files_harness.test.mjs and
// grep_files_client.test.mjs): a root with text, a file that is not UTF-8, a binary file, a file
// name with spaces, symbolic links inside the root (to a file, and back up to the root) and one
// leading out of it, and a directory outside the root that must never be read.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// What makeTree() writes under the root, by path; strings are UTF-8, Buffers raw bytes.
export const FILES = {
  'README.md': 'grep-files example tree\nparse_config is documented here\n',
  'src/main.c': '#include "config.h"\nint main(void)\n{\n    return parse_config("mcp.ini");\n}\n',
  'src/config.c': 'int parse_config(const char *path)\n{\n    return path != 0;\n}\n',
  'src/latin1.txt': Buffer.from('caf\xe9 parse_config\n', 'latin1'),
  'data/blob.bin': Buffer.from('\x00\x01parse_config\x00', 'latin1'),
  'space dir/a b.txt': 'parse_config in a file with spaces\n',
};
// Symbolic links under the root: name -> target (relative to the link).
export const LINKS = { 'src/alias.c': 'config.c', 'src/loop': '..', 'link-out': '../outside' };

// Every match of "parse_config" with the default configuration (links not followed), in the
// order grep reports them (by path).
export const PARSE_CONFIG_MATCHES = [
  { path: 'README.md', line: 2, text: 'parse_config is documented here' },
  { path: 'space dir/a b.txt', line: 1, text: 'parse_config in a file with spaces' },
  { path: 'src/config.c', line: 1, text: 'int parse_config(const char *path)' },
  { path: 'src/latin1.txt', line: 1, text: 'caf\ufffd parse_config' },
  { path: 'src/main.c', line: 4, text: '    return parse_config("mcp.ini");' },
];
// Entries a walk of the whole root lists (files and links), and the files it can scan.
export const ENTRIES = Object.keys(FILES).length + Object.keys(LINKS).length;
export const SCANNED = Object.keys(FILES).length;

// Makes the tree in a new temporary directory: { dir, root, outside, remove() }.
export function makeTree(prefix = 'mcpd-grep-files-') {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const root = path.join(dir, 'root');
  const outside = path.join(dir, 'outside');
  mkdirSync(outside, { recursive: true });
  writeFileSync(path.join(outside, 'secret.txt'), 'parse_config secret outside the root\n');
  for (const [rel, content] of Object.entries(FILES)) {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), content);
  }
  for (const [rel, target] of Object.entries(LINKS)) {
    symlinkSync(target, path.join(root, rel));
  }
  return { dir, root, outside, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
