/**
 * Scores the email reader on the project's corpus of manager emails: per group and in total, right /
 * needless hand-off / unsafe, and the rate of needless hand-offs among the emails a careful engineer
 * would act on. `--details` lists every case that is not right (and every reason that differs);
 * `--record` writes the figures the corpus test holds the reader to.
 *
 *   npm run corpus:score [-- --details] [-- --record]
 */
import { writeFileSync } from 'node:fs';
import {
  RECORDED_SCORES_FILE,
  describeExpectation,
  describeReading,
  scoreCorpus,
  type GroupScore,
} from '../test/support/manager-email-corpus.js';

const args = new Set(process.argv.slice(2));
const started = performance.now();
const { cases, groups, total } = scoreCorpus();
const elapsed = performance.now() - started;

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');
const row = (g: GroupScore) =>
  [
    g.group.padEnd(28),
    String(g.cases).padStart(5),
    String(g.shouldAct).padStart(7),
    String(g.right).padStart(6),
    String(g.needless).padStart(9),
    String(g.unsafe).padStart(7),
    pct(g.needless, g.shouldAct).padStart(10),
    pct(g.rightOfShouldAct, g.shouldAct).padStart(12),
    String(g.reasonDiffers).padStart(9),
  ].join(' ');

console.log(
  [
    'group'.padEnd(28),
    'cases'.padStart(5),
    'to act'.padStart(7),
    'right'.padStart(6),
    'needless'.padStart(9),
    'unsafe'.padStart(7),
    'needless %'.padStart(10),
    'act right %'.padStart(12),
    'reason ≠'.padStart(9),
  ].join(' '),
);
for (const g of groups) console.log(row(g));
console.log('-'.repeat(100));
console.log(row(total));
console.log(
  `\n${total.cases} emails in ${(elapsed / 1000).toFixed(2)} s. "needless %" is needless hand-offs among the ${total.shouldAct} emails a careful engineer would act on; "act right %" is those read fully right (right people, right resets). "reason ≠" counts emails correctly not acted on whose reason differs from the expected one.`,
);

if (args.has('--details')) {
  for (const s of cases) {
    if (s.verdict === 'right' && s.reasonMatches) continue;
    console.log(
      `\n[${s.verdict}${s.verdict === 'right' ? ', other reason' : ''}] ${s.case.id}\n  expected: ${describeExpectation(s.case.expect)}\n  read:     ${describeReading(s.reading)}\n  evidence: ${s.reading.evidence.join(' | ')}`,
    );
  }
}

if (args.has('--record')) {
  const recorded = Object.fromEntries(
    groups.map((g) => [g.group, { cases: g.cases, right: g.right, unsafe: g.unsafe }]),
  );
  writeFileSync(RECORDED_SCORES_FILE, `${JSON.stringify(recorded, null, 2)}\n`);
  console.log(`\nrecorded the figures in ${RECORDED_SCORES_FILE}`);
}

process.exitCode = total.unsafe > 0 ? 1 : 0;
