/**
 * Supply-chain rules for the CI workflows and local actions, checked on their text (GitHub
 * runners are elsewhere): third-party actions pinned by full commit SHA with the tag they came
 * from in a comment, checkouts that keep no credentials on disk, a read-only token by default,
 * and a write token only in a job that runs no npm code. How each rule is met is described at
 * the top of .github/workflows/build.yml.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.ts';

const appBuilderRequire = createRequire(
  createRequire(createRequire(import.meta.url).resolve('electron-builder/package.json')).resolve(
    'app-builder-lib/package.json',
  ),
);
const { load } = appBuilderRequire('js-yaml') as { load(text: string): unknown };

type Node = Record<string, unknown>;
interface Step extends Node {
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Node;
  readonly env?: Node;
}
interface Job extends Node {
  readonly permissions?: unknown;
  readonly steps?: Step[];
  readonly env?: Node;
}

const GITHUB = join(REPO_ROOT, '.github');
const workflowFiles = readdirSync(join(GITHUB, 'workflows'))
  .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
  .map((f) => join(GITHUB, 'workflows', f));
const actionFiles = readdirSync(join(GITHUB, 'actions'), { recursive: true, encoding: 'utf8' })
  .filter((f) => /(^|[/\\])action\.ya?ml$/.test(f))
  .map((f) => join(GITHUB, 'actions', f));
const name = (file: string): string => relative(REPO_ROOT, file);
const read = (file: string): Node => load(readFileSync(file, 'utf8')) as Node;

const jobsOf = (file: string): [string, Job][] => Object.entries(read(file)['jobs'] as Record<string, Job>);
const stepsOf = (file: string): Step[] => {
  const doc = read(file);
  if (doc['jobs']) return jobsOf(file).flatMap(([, job]) => job.steps ?? []);
  return ((doc['runs'] as Node | undefined)?.['steps'] as Step[] | undefined) ?? [];
};

/** `contents: write`, `write-all`, or any scope set to write. */
function grantsWrite(permissions: unknown): boolean {
  if (permissions === 'write-all') return true;
  if (permissions && typeof permissions === 'object') return Object.values(permissions).includes('write');
  return false;
}

const TOKEN = /secrets\.GITHUB_TOKEN|github\.token/;
const RUNS_NPM_CODE = /\b(npm|npx|pnpm|yarn)\b|node_modules|\.ci\/run/;

describe('CI workflows and actions', () => {
  it('were found', () => {
    expect(workflowFiles.map(name).sort()).toEqual(['.github/workflows/build.yml', '.github/workflows/test.yml']);
    expect(actionFiles.map(name)).toContain('.github/actions/test-models/action.yml');
  });

  it('pin every third-party action by full commit SHA, with its tag in a comment', () => {
    let checked = 0;
    for (const file of [...workflowFiles, ...actionFiles]) {
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const match = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
        if (!match) continue;
        const [, ref = '', rest = ''] = match;
        if (ref.startsWith('./')) continue;
        checked += 1;
        expect(ref, `${name(file)}: ${line.trim()}`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        expect(rest, `${name(file)}: ${line.trim()} names no tag`).toMatch(/^\s+#\s*v\d+(\.\d+){0,2}\b/);
      }
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('use the same commit wherever they use the same action', () => {
    const pins = new Map<string, Set<string>>();
    for (const step of [...workflowFiles, ...actionFiles].flatMap(stepsOf)) {
      if (!step.uses || step.uses.startsWith('./')) continue;
      const [action = '', sha = ''] = step.uses.split('@');
      pins.set(action, (pins.get(action) ?? new Set()).add(sha));
    }
    for (const [action, shas] of pins) expect([...shas], action).toHaveLength(1);
  });

  it('check out without leaving credentials in .git/config', () => {
    const checkouts = [...workflowFiles, ...actionFiles]
      .flatMap(stepsOf)
      .filter((step) => step.uses?.startsWith('actions/checkout@'));
    expect(checkouts.length).toBeGreaterThan(0);
    for (const step of checkouts) expect(step.with?.['persist-credentials'], step.uses).toBe(false);
  });

  it('give every workflow a read-only token by default', () => {
    for (const file of workflowFiles) expect(read(file)['permissions'], name(file)).toEqual({ contents: 'read' });
  });

  it('grant a write token only to jobs that run no npm code and check nothing out', () => {
    for (const file of workflowFiles) {
      for (const [id, job] of jobsOf(file)) {
        if (!grantsWrite(job.permissions)) continue;
        for (const step of job.steps ?? []) {
          const where = `${name(file)} › ${id} › ${step.name ?? step.uses ?? step.run ?? 'a step'}`;
          expect(step.run ?? '', where).not.toMatch(RUNS_NPM_CODE);
          expect(step.uses ?? '', where).not.toMatch(/^actions\/(checkout|setup-node)@|^\.\//);
        }
      }
    }
  });

  it('hand the token only to the step that uses it, never to a whole job or workflow', () => {
    for (const file of workflowFiles) {
      expect(JSON.stringify(read(file)['env'] ?? {}), name(file)).not.toMatch(TOKEN);
      for (const [id, job] of jobsOf(file)) {
        expect(JSON.stringify(job.env ?? {}), `${name(file)} › ${id}`).not.toMatch(TOKEN);
        for (const step of job.steps ?? []) {
          const where = `${name(file)} › ${id} › ${step.name ?? step.uses ?? step.run ?? 'a step'}`;
          // A step that runs npm code never sees the token, even a read-only one.
          if (RUNS_NPM_CODE.test(step.run ?? '')) expect(JSON.stringify(step), where).not.toMatch(TOKEN);
          if (TOKEN.test(JSON.stringify(step))) expect(grantsWrite(job.permissions), where).toBe(true);
        }
      }
    }
  });

  it('publish only from the write job, and package with a read-only token', () => {
    const build = join(GITHUB, 'workflows', 'build.yml');
    const jobs = Object.fromEntries(jobsOf(build));
    expect(jobs['package']?.permissions).toEqual({ contents: 'read' });
    const packageRuns = (jobs['package']?.steps ?? []).map((s) => s.run ?? '').join('\n');
    expect(packageRuns).toContain('npm ci');
    expect(packageRuns).toContain('electron-builder --publish never');
    expect(jobs['publish']?.permissions).toEqual({ contents: 'write' });
    expect(jobs['publish']?.['needs']).toBe('package');
    expect(jobs['publish']?.['if']).toMatch(/refs\/tags\/v/);
  });
});
