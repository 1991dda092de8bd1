/**
 * Every place in an ESLint AST that loads another module by a literal specifier: static
 * imports and re-exports (type-only ones too, since `import type` still ties the files
 * together for the reader and for tsc), dynamic `import()`, type-level `import('…').T`,
 * `require('…')` and `import x = require('…')`. `new URL('…', import.meta.url)` names a
 * file without loading it (how src/core starts the capture and engine processes) and is
 * deliberately not a site.
 */
import type { Rule } from 'eslint';

/** The node a report points at, and the specifier it names. */
export type OnImport = (node: Rule.Node, specifier: string) => void;

interface MaybeLiteral {
  readonly type: string;
  readonly value?: unknown;
  readonly quasis?: readonly { readonly value: { readonly cooked?: string | null } }[];
  readonly expressions?: readonly unknown[];
}

/** The string a source node spells, for string literals and `templates without ${}`. */
function literalText(node: MaybeLiteral | null | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions?.length === 0)
    return node.quasis?.[0]?.value.cooked ?? undefined;
  return undefined;
}

/** typescript-eslint's node types, which ESTree's typings (and so ESLint's) do not know. */
interface TsImportType {
  readonly source?: MaybeLiteral;
  /** Older typescript-eslint versions: a literal type wrapping the string. */
  readonly argument?: { readonly literal?: MaybeLiteral };
}
interface TsExternalModuleReference {
  readonly expression: MaybeLiteral;
}

/** Listeners that call `onImport` for every site; the TS-only keys are selectors typescript-eslint's parser provides. */
export function importListeners(onImport: OnImport): Rule.RuleListener {
  const visit = (node: Rule.Node, source: MaybeLiteral | null | undefined): void => {
    const specifier = literalText(source);
    if (specifier !== undefined) onImport(node, specifier);
  };
  const listeners = {
    ImportDeclaration: (node: Rule.Node & { source: MaybeLiteral }) => visit(node, node.source),
    ExportNamedDeclaration: (node: Rule.Node & { source?: MaybeLiteral | null }) => visit(node, node.source),
    ExportAllDeclaration: (node: Rule.Node & { source: MaybeLiteral }) => visit(node, node.source),
    ImportExpression: (node: Rule.Node & { source: MaybeLiteral }) => visit(node, node.source),
    CallExpression: (node: Rule.Node & { callee: MaybeLiteral & { name?: string }; arguments: MaybeLiteral[] }) => {
      if (node.callee.type === 'Identifier' && node.callee.name === 'require') visit(node, node.arguments[0]);
    },
    TSImportType: (node: Rule.Node & TsImportType) => visit(node, node.source ?? node.argument?.literal),
    TSExternalModuleReference: (node: Rule.Node & TsExternalModuleReference) => visit(node, node.expression),
  };
  return listeners;
}
