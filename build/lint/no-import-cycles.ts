/**
 * `earshot/no-import-cycles`: no chain of relative imports under src/ leads back to the file
 * it started from. Type-only imports count: a cycle of types still means neither file can be
 * read, tested or moved without the other. Each import on a cycle is reported, in its own
 * file, with the whole cycle spelled out.
 */
import type { Rule } from 'eslint';
import { importGraphOf } from './import-graph.ts';
import { importListeners } from './import-sites.ts';
import { displayPath } from './layout.ts';
import { layoutFromOptions, OPTIONS_SCHEMA } from './rule-options.ts';

export const noImportCycles: Rule.RuleModule = {
  meta: {
    type: 'problem',
    docs: { description: 'No import cycles under src/, type-only imports included' },
    schema: OPTIONS_SCHEMA,
    messages: {
      cycle: 'Import cycle: {{cycle}}. Move what the files share into one that imports none of them, or pass it in.',
    },
  },
  create(context) {
    const layout = layoutFromOptions(context);
    const importer = context.filename;
    const graph = importGraphOf(layout.srcDir);
    return importListeners((node, specifier) => {
      const target = graph.resolve(importer, specifier);
      if (target === undefined) return;
      // The rest of the cycle comes from the disk; this file's own imports come from the AST being linted.
      const back = target === importer ? [importer] : graph.chain(target, importer);
      if (back === undefined) return;
      const cycle = [importer, ...back].map((file) => displayPath(layout, file)).join(' → ');
      context.report({ node, messageId: 'cycle', data: { cycle } });
    });
  },
};
