// docs/performance.md claims no more than the runs kept in bench/results/ showed: its figures section is what
// `npm run bench:doc` generates from them, so a hand edit of a figure, or a run kept without regenerating, fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BEGIN, DOC, END, figuresSection } from '../../bench/harness/doc.js';
import { loadResults } from '../../bench/harness/results.js';

describe('docs/performance.md', () => {
  it('holds the figures section generated from bench/results/', () => {
    const doc = readFileSync(DOC, 'utf8');
    const begin = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    expect(begin, 'the generated section is missing: run npm run bench:doc').toBeGreaterThan(-1);
    expect(doc.slice(begin, end + END.length), 'regenerate it with npm run bench:doc').toBe(
      figuresSection(loadResults()),
    );
  });
});
