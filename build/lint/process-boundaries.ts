/**
 * `earshot/process-boundaries`: a file under src/ imports only from the folders its process
 * may load (the table in boundaries.ts), and a unit test beside the code may also take
 * helpers and fakes from tests/. Bare specifiers (packages, `node:*`, `electron`) are left to
 * `no-restricted-imports` in eslint.config.js.
 */
import type { Rule } from 'eslint';
import { checkImport } from './boundaries.ts';
import { importListeners } from './import-sites.ts';
import { isRelative, isUnitTest, targetOf } from './layout.ts';
import { layoutFromOptions, OPTIONS_SCHEMA } from './rule-options.ts';

export const processBoundaries: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: { description: 'Each folder under src/ imports only from the folders its process may load' },
    schema: OPTIONS_SCHEMA,
    messages: {
      crossing: '{{from}} may not import {{to}}: {{why}}.',
      'unknown-folder':
        '{{folder}} is not one of the process folders build/lint/boundaries.ts knows; add it there with what it may import.',
      'tests-only-in-unit-tests':
        'Only unit tests (*.test.ts) may import from tests/; {{to}} is test code and must not ship in the app.',
      'tests-support-only':
        'A unit test under src/ may take only tests/helpers and tests/fakes from tests/, not {{to}}.',
    },
  },
  create(context) {
    const layout = layoutFromOptions(context);
    const importer = context.filename;
    const unitTest = isUnitTest(importer);
    return importListeners((node, specifier) => {
      if (!isRelative(specifier)) return;
      const breach = checkImport(layout, importer, targetOf(importer, specifier), unitTest);
      if (breach === undefined) return;
      const { kind, ...data } = breach;
      context.report({ node, messageId: kind, data });
    });
  },
};
