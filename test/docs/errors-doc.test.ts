// The error catalogue (server/errors.ts) and its documentation (docs/api/errors.md) must list the same codes with
// the same status and issue type, both ways.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogueCodes, errorInfo } from '../../server/errors.js';

const doc = readFileSync(new URL('../../docs/api/errors.md', import.meta.url), 'utf8');
const rows = [...doc.matchAll(/^\| `(HUB_ERR_[A-Z_]+)` \| (\d{3}) \| `([a-z-]+)` \| (.+) \|$/gm)].map(
  ([, code, status, issueType, when]) => ({
    code,
    status: Number(status),
    issueType,
    when: when.trim(),
  }),
);

describe('docs/api/errors.md', () => {
  it('documents every code of the catalogue, and no other', () => {
    expect(rows.map((row) => row.code).sort()).toEqual(catalogueCodes().sort());
  });

  it.each(catalogueCodes())(
    'gives %s the status and issue type the catalogue has, and says when it happens',
    (code) => {
      const row = rows.find((r) => r.code === code);
      expect(row).toMatchObject({ status: errorInfo(code)!.status, issueType: errorInfo(code)!.issueType });
      expect(row!.when.length).toBeGreaterThan(10);
    },
  );
});
