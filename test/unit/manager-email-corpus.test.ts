import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  NOT_A_REQUEST_REASONS,
  UNCLEAR_REASONS,
} from '../../services/domain/email-request/email-request-reader.js';
import {
  RECORDED_SCORES_FILE,
  candidatesFor,
  describeExpectation,
  describeReading,
  loadCorpus,
  loadDirectory,
  scoreCorpus,
} from '../support/manager-email-corpus.js';

const directory = loadDirectory();
const groups = loadCorpus();
const allCases = groups.flatMap((g) => g.cases);
const { cases: scored, groups: groupScores, total } = scoreCorpus();
const recorded = JSON.parse(readFileSync(RECORDED_SCORES_FILE, 'utf8')) as Record<
  string,
  { cases: number; right: number; unsafe: number }
>;
const reasons = new Set<string>([...Object.values(NOT_A_REQUEST_REASONS), ...Object.values(UNCLEAR_REASONS)]);

describe('the corpus of manager emails', () => {
  it('holds at least 150 emails, each well formed', () => {
    expect(allCases.length).toBeGreaterThanOrEqual(150);
    const ids = allCases.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of allCases) {
      const requester = directory.people.find((p) => p.id === c.requester);
      expect(requester, c.id).toBeDefined();
      const candidates = candidatesFor(directory, c.requester, c.candidates ?? 'reports').map((p) => p.id);
      if ('act' in c.expect) {
        expect(c.expect.act.length, c.id).toBeGreaterThan(0);
        for (const id of c.expect.act) expect(candidates, `${c.id}: ${id} is a candidate`).toContain(id);
        expect(c.expect.password || c.expect.mfa, c.id).toBe(true);
      } else {
        const reason = 'notARequest' in c.expect ? c.expect.notARequest : c.expect.handOff;
        expect(reasons.has(reason) || reason === 'several-people', `${c.id}: ${reason}`).toBe(true);
      }
    }
  });

  it('covers every reason the reader gives for not acting', () => {
    const expected = new Set(
      allCases.flatMap((c) =>
        'notARequest' in c.expect ? [c.expect.notARequest] : 'handOff' in c.expect ? [c.expect.handOff] : [],
      ),
    );
    for (const reason of Object.values(NOT_A_REQUEST_REASONS)) {
      if (reason === 'empty') continue;
      expect(expected, reason).toContain(reason);
    }
    for (const reason of [
      'no-person-named',
      'person-not-in-list',
      'ambiguous-name',
      'self-request',
      'group-request',
      'not-staff',
      'forwarded-sender-unknown',
    ])
      expect(expected, reason).toContain(reason);
  });

  it('never acts on the wrong person, with the wrong resets, or on what is not a request', () => {
    const unsafe = scored
      .filter((s) => s.verdict === 'unsafe')
      .map(
        (s) =>
          `${s.case.id}: expected ${describeExpectation(s.case.expect)}, read ${describeReading(s.reading)}`,
      );
    expect(unsafe).toEqual([]);
  });

  it('reads no group worse than the recorded figures', () => {
    for (const g of groupScores) {
      const before = recorded[g.group];
      expect(before, `recorded figures for ${g.group} (npm run corpus:score -- --record)`).toBeDefined();
      expect(g.right, `${g.group}: right`).toBeGreaterThanOrEqual(before?.right ?? Infinity);
    }
  });

  it('meets the targets: needless hand-offs under 5%, at least 95% of the emails to act on read fully right', () => {
    expect(total.needless / total.shouldAct).toBeLessThan(0.05);
    expect(total.rightOfShouldAct / total.shouldAct).toBeGreaterThanOrEqual(0.95);
  });

  it('explains every reading briefly, without repeating the email', () => {
    for (const s of scored) {
      expect(s.reading.evidence.length, s.case.id).toBeGreaterThan(0);
      expect(s.reading.evidence.length, s.case.id).toBeLessThanOrEqual(12);
      for (const line of s.reading.evidence) {
        expect(line.length, s.case.id).toBeLessThan(200);
        // A long run of the body is never copied into a hand-off note.
        const body = s.case.body.replace(/\s+/g, ' ');
        for (let i = 0; i + 60 <= body.length; i += 30) expect(line).not.toContain(body.slice(i, i + 60));
      }
    }
  });

  it('never repeats a password the writer proposed', () => {
    for (const s of scored.filter((x) => x.case.id === 'nar-20' || x.case.id === 'nar-21'))
      expect(s.reading.evidence.join('\n')).not.toMatch(/Welcome2025|same as before/);
  });
});
