/**
 * Both rules take one option, the absolute path of the src/ folder they guard, so they judge
 * the same tree whatever directory ESLint was started from (eslint.config.js passes its own
 * folder's src/; the rule tests pass a fixture tree's).
 */
import type { Rule } from 'eslint';
import { layoutOf, type Layout } from './layout.ts';

export const OPTIONS_SCHEMA: Rule.RuleMetaData['schema'] = [
  {
    type: 'object',
    properties: { srcDir: { type: 'string', description: 'absolute path of the src/ folder' } },
    required: ['srcDir'],
    additionalProperties: false,
  },
];

export function layoutFromOptions(context: Rule.RuleContext): Layout {
  const [options] = context.options as [{ srcDir: string }];
  return layoutOf(options.srcDir);
}
