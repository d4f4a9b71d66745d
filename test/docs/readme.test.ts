// The README is the front door: its two set-up commands must be the ones CI runs, and its curl tour must work.
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/app.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
const hasCurl = spawnSync('curl', ['--version']).status === 0;

describe('README.md', () => {
  it('gives exactly two set-up commands: run the hub, run the tests', () => {
    const setup = readme.slice(readme.indexOf('## Set-up'), readme.indexOf('## A five-minute tour'));
    expect([...setup.matchAll(/^```sh\n(.*)\n```$/gm)].map((match) => match[1])).toEqual([
      'npm ci && npm start',
      'npm ci && npm test',
    ]);
  });

  it('names the test command that .ci/run calls', () => {
    expect(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8')).toMatch(/^npm test$/m);
  });

  // The tour needs curl; a machine without it cannot run the tour as written, so the check is skipped there.
  it.skipIf(!hasCurl)('runs the curl tour against a live hub with the answers it promises', async () => {
    // With the profiles enforced, as the hub runs by default.
    const { baseUrl, dataDir } = await startTestServer({ requiredProfiles: 'all' });
    const tour = blocks.find((block) => block.includes('B=http://127.0.0.1:8080'))!;
    const script = tour.replace('B=http://127.0.0.1:8080', `B=${baseUrl}`);
    // Asynchronous: the hub answering the tour runs in this very process. (No pipefail: `curl | head` ends early.)
    const output = await new Promise<string>((resolve, reject) => {
      // `npm run token` finds the test hub as it finds a real one: by the hub's own environment.
      const env = {
        ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('HUB_'))),
        HUB_DATA_DIR: dataDir,
        HUB_BASE_URL: baseUrl,
      };
      execFile(
        'bash',
        ['-eu', '-c', script],
        { timeout: 90_000, env, cwd: new URL('../..', import.meta.url).pathname },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    expect(output).toContain('{"resourceType":"CapabilityStatement"');
    expect(output.match(/HTTP\/1\.1 \d+/g)).toEqual(['HTTP/1.1 401', 'HTTP/1.1 200', 'HTTP/1.1 412', 'HTTP/1.1 200']);
    expect(output).toContain('rule hub-pat-1 failed');
    expect(output).toContain('"type":"transaction-response"');
    expect(output).toContain('"status":"201 Created"');
    expect(output).toContain('{"resourceType":"Bundle","type":"searchset","total":1,');
    expect(output).toContain('Invalid code \\"x\\" for Patient.gender');
  });
});
