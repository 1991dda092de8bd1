import { ESLint, type Linter } from 'eslint';
import { join, relative, sep } from 'node:path';
import * as svelteParser from 'svelte-eslint-parser';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { importRules } from '../../build/lint/plugin.ts';
import { REPO_ROOT } from '../helpers/paths.ts';

/**
 * The import rules of build/lint, proven two ways: on a miniature tree (tests/fixtures/lint)
 * where every boundary is broken once, cycles of each kind exist, and allowed imports sit
 * beside them; and through the project's own eslint.config.js, so `npm run lint` is known
 * to fail when a file under src/ breaks a boundary.
 */

const FIXTURE_ROOT = join(REPO_ROOT, 'tests', 'fixtures', 'lint');
const BOUNDARIES = 'earshot/process-boundaries';
const CYCLES = 'earshot/no-import-cycles';
const IMPORT_RULES = [BOUNDARIES, CYCLES, 'no-restricted-imports'];

interface Finding {
  readonly at: string;
  readonly rule: string | null;
  readonly message: string;
}

function findingsOf(results: readonly ESLint.LintResult[], root: string, rules = IMPORT_RULES): Finding[] {
  return results
    .flatMap((result) =>
      result.messages.map((message) => ({
        at: `${relative(root, result.filePath).split(sep).join('/')}:${message.line}`,
        rule: message.ruleId,
        message: message.message,
      })),
    )
    .filter((finding) => finding.rule === null || rules.includes(finding.rule));
}

/** Only the two earshot rules, with parsers but no type information: the fixtures belong to no tsconfig. */
const fixtureConfig: Linter.Config[] = [
  { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
  {
    files: ['**/*.svelte'],
    languageOptions: { parser: svelteParser, parserOptions: { parser: tseslint.parser } },
  },
  importRules(FIXTURE_ROOT),
];

async function lintFixtures(): Promise<Finding[]> {
  const eslint = new ESLint({ cwd: FIXTURE_ROOT, overrideConfigFile: true, overrideConfig: fixtureConfig });
  return findingsOf(await eslint.lintFiles(['src']), FIXTURE_ROOT);
}

describe('earshot import rules on the fixture tree', () => {
  it('report each broken boundary and each import on a cycle, and nothing else', async () => {
    const findings = await lintFixtures();

    expect(findings.map((f) => `${f.at} ${f.rule}`).sort()).toEqual(
      [
        // src/shared imports only src/shared.
        `src/shared/leaks-core.ts:1 ${BOUNDARIES}`,
        // src/platform only platform and shared (a re-export is an import).
        `src/platform/leaks-core.ts:1 ${BOUNDARIES}`,
        // capture and engine: not each other (type-only too), not core; tests beside them alike.
        `src/capture/leaks-engine.ts:1 ${BOUNDARIES}`,
        `src/engine/leaks-core.ts:1 ${BOUNDARIES}`,
        `src/engine/engine.test.ts:1 ${BOUNDARIES}`,
        // core: not capture (a dynamic import), not main (an import type).
        `src/core/loads-capture.ts:1 ${BOUNDARIES}`,
        `src/core/leaks-main.ts:1 ${BOUNDARIES}`,
        // tests/: only unit tests, and only helpers and fakes.
        `src/core/uses-test-helper.ts:1 ${BOUNDARIES}`,
        `src/core/session.test.ts:3 ${BOUNDARIES}`,
        // Nothing outside cli imports cli; the preload and the renderer only shared.
        `src/main/leaks-cli.ts:1 ${BOUNDARIES}`,
        `src/preload/leaks-renderer.ts:1 ${BOUNDARIES}`,
        `src/renderer/src/App.svelte:2 ${BOUNDARIES}`,
        // A folder the policy does not know.
        `src/misc/stray.ts:1 ${BOUNDARIES}`,
        // Two files by value (extension-less and .js specifiers), two by `import type`,
        // three by type-only re-export and `import('…')` type, a component and its rune module.
        `src/core/cycle-a.ts:1 ${CYCLES}`,
        `src/core/cycle-b.ts:1 ${CYCLES}`,
        `src/capture/types-a.ts:1 ${CYCLES}`,
        `src/capture/types-b.ts:1 ${CYCLES}`,
        `src/shared/ring-a.ts:1 ${CYCLES}`,
        `src/shared/ring-b.ts:1 ${CYCLES}`,
        `src/shared/ring-c.ts:2 ${CYCLES}`,
        `src/renderer/src/Panel.svelte:2 ${CYCLES}`,
        `src/renderer/src/panel-state.svelte.ts:1 ${CYCLES}`,
      ].sort(),
    );
  });

  it('say which rule was broken and what to do instead', async () => {
    const messages = new Map((await lintFixtures()).map((f) => [f.at, f.message]));

    expect(messages.get('src/engine/leaks-core.ts:1')).toBe(
      'src/engine may not import src/core: the engine runs in its own process; ' +
        'move shared code to src/shared or src/platform.',
    );
    expect(messages.get('src/core/loads-capture.ts:1')).toMatch(/^src\/core may not import src\/capture: .*entry path/);
    expect(messages.get('src/main/leaks-cli.ts:1')).toMatch(
      /^src\/main may not import src\/cli: .*nothing outside it imports it/,
    );
    expect(messages.get('src/core/uses-test-helper.ts:1')).toMatch(/^Only unit tests \(\*\.test\.ts\) may import/);
    expect(messages.get('src/core/session.test.ts:3')).toContain('not tests/integration/harness.ts');
    expect(messages.get('src/shared/ring-c.ts:2')).toMatch(
      /^Import cycle: src\/shared\/ring-c\.ts → src\/shared\/ring-a\.ts → src\/shared\/ring-b\.ts → src\/shared\/ring-c\.ts\./,
    );
  });
});

describe("the project's eslint.config.js", () => {
  // Type-aware rules need files in a tsconfig; these virtual files are not, and only the import rules matter here.
  const eslint = new ESLint({ cwd: REPO_ROOT, overrideConfig: tseslint.configs.disableTypeChecked as Linter.Config });
  const lint = async (filePath: string, code: string): Promise<string[]> =>
    findingsOf(await eslint.lintText(code, { filePath }), REPO_ROOT).map((f) => `${f.at} ${f.rule}`);

  it('fails a file under src/ that crosses a process boundary or imports what its side may not', async () => {
    expect(await lint('src/engine/virtual.ts', "export { Session } from '../core/session/session.ts';\n")).toEqual([
      `src/engine/virtual.ts:1 ${BOUNDARIES}`,
    ]);
    expect(await lint('src/shared/virtual.ts', "export { readFileSync } from 'node:fs';\n")).toEqual([
      'src/shared/virtual.ts:1 no-restricted-imports',
    ]);
    expect(await lint('src/preload/virtual.ts', "export { readFileSync } from 'node:fs';\n")).toEqual([
      'src/preload/virtual.ts:1 no-restricted-imports',
    ]);
    expect(await lint('src/core/virtual.ts', "export { app } from 'electron';\n")).toEqual([
      'src/core/virtual.ts:1 no-restricted-imports',
    ]);
    const component =
      "<script lang=\"ts\">\n  import { ipcRenderer } from 'electron';\n  import '../../core/app/types.ts';\n</script>\n";
    expect(await lint('src/renderer/src/Virtual.svelte', component)).toEqual([
      'src/renderer/src/Virtual.svelte:2 no-restricted-imports',
      `src/renderer/src/Virtual.svelte:3 ${BOUNDARIES}`,
    ]);
  });

  it('lets src/main use electron and src/core', async () => {
    const code = "export { app } from 'electron';\nexport type { AppCore } from '../core/app/types.ts';\n";
    expect(await lint('src/main/virtual.ts', code)).toEqual([]);
  });

  it('turns the cycle rule on for every source file under src/', async () => {
    for (const file of ['src/core/session/session.ts', 'src/renderer/src/App.svelte', 'src/main/index.test.ts']) {
      const config = (await eslint.calculateConfigForFile(file)) as Linter.Config;
      expect(config.rules?.[CYCLES], file).toEqual([2, { srcDir: join(REPO_ROOT, 'src') }]);
    }
  });
});
