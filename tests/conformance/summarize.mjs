// Reads every checks.json one conformance suite run wrote and decides the ctest verdict.
//
//   node summarize.mjs SUITE RESULTS_DIR EXPECTED_SCENARIOS SUITE_EXIT_CODE
//
// Fails (exit 1) naming each check whose status is FAILURE or WARNING, unless ALLOWED below
// lists it for this suite; also when fewer scenarios ran than expected, or when the suite itself
// exited nonzero without a FAILURE check to show for it (a crash). Prints per-scenario lines
// with problems, SKIPPED checks (reported, never failing) and the totals: passed / failed / warnings / other (INFO, SKIPPED).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Checks allowed to be WARNING (never FAILURE), per suite: "scenario/check-id" -> why. Only for
// warnings inherent in the suite, i.e. ones the upstream fixture server gets too.
const ALLOWED = {
  'v0.1.16': {},
  alpha12: {},
};

const [suite, dir, expectedText, suiteExitText] = process.argv.slice(2);
if (!suite || !dir || !(suite in ALLOWED)) {
  console.error('usage: node summarize.mjs v0.1.16|alpha12 RESULTS_DIR EXPECTED_SCENARIOS SUITE_EXIT_CODE');
  process.exit(2);
}
const expected = Number(expectedText || 0);
const suiteExit = Number(suiteExitText || 0);
const allowed = ALLOWED[suite];

// RESULTS_DIR/<server-SCENARIO-TIMESTAMP>/checks.json (scenario names may contain '/').
function findChecks(root) {
  const out = [];
  let entries = [];
  try {
    entries = readdirSync(root);
  } catch {
    return out;
  }
  for (const name of entries) {
    const p = join(root, name);
    if (statSync(p).isDirectory()) {
      out.push(...findChecks(p));
    } else if (name === 'checks.json') {
      out.push(p);
    }
  }
  return out;
}

function scenarioOf(file) {
  const rel = file.slice(dir.length + 1, -'/checks.json'.length);
  return rel.replace(/^server-/, '').replace(/-\d{4}-\d{2}-\d{2}T[\d-]+(\.\d+)?Z?$/, '');
}

const files = findChecks(dir).sort();
const totals = { SUCCESS: 0, FAILURE: 0, WARNING: 0, other: 0 };
const problems = [];
const allowedSeen = [];
const skipped = [];
for (const file of files) {
  const scenario = scenarioOf(file);
  let checks;
  try {
    checks = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    problems.push(`${scenario}: unreadable checks.json (${e.message})`);
    continue;
  }
  for (const c of checks) {
    const status = c.status;
    if (status === 'SUCCESS' || status === 'FAILURE' || status === 'WARNING') {
      totals[status]++;
    } else {
      totals.other++;
    }
    const key = `${scenario}/${c.id}`;
    const msg = c.errorMessage ? `: ${c.errorMessage}` : '';
    if (status === 'SKIPPED') {
      skipped.push(`  SKIPPED ${key}${msg}`);
    }
    if (status !== 'FAILURE' && status !== 'WARNING') {
      continue;
    }
    if (status === 'WARNING' && allowed[key]) {
      allowedSeen.push(`  allowed WARNING ${key}${msg} (${allowed[key]})`);
      continue;
    }
    problems.push(`  ${status} ${key}${msg}`);
  }
}

console.log(`conformance ${suite}: ${files.length} scenario(s), checks: ${totals.SUCCESS} passed, ` +
            `${totals.FAILURE} failed, ${totals.WARNING} warnings, ${totals.other} info/skipped`);
for (const line of [...skipped, ...allowedSeen]) {
  console.log(line);
}
let ok = true;
if (problems.length > 0) {
  console.log(`conformance ${suite}: ${problems.length} check(s) not clean:`);
  for (const line of problems) {
    console.log(line);
  }
  ok = false;
}
if (files.length < expected) {
  console.log(`conformance ${suite}: only ${files.length} of ${expected} scenarios wrote results`);
  ok = false;
}
if (suiteExit !== 0 && totals.FAILURE === 0) {
  console.log(`conformance ${suite}: the suite exited ${suiteExit} without a FAILURE check (crash or timeout)`);
  ok = false;
}
process.exit(ok ? 0 : 1);
