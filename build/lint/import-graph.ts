/**
 * The relative-import graph of one src/ folder, read from disk, for the cycle rule: ESLint
 * shows a rule one file at a time, but a cycle is a property of many files.
 *
 * One graph per src/ folder lives for the whole ESLint process. It re-checks the folder at
 * most once a second (a directory walk and a stat per file, a few milliseconds) and re-parses
 * only files whose size or mtime changed, so a full lint run parses each file once and an
 * editor's long-lived ESLint still sees edits.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { candidateFiles, isRelative, targetOf } from './layout.ts';

const SOURCE_EXTENSIONS = ['.ts', '.svelte', '.js'];
const RECHECK_MS = 1000;

interface FileEntry {
  readonly mtimeMs: number;
  readonly size: number;
  readonly specifiers: readonly string[];
}

/** The code of a Svelte component's script blocks; its markup imports nothing. */
function scriptsOf(text: string): string {
  const scripts = [...text.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1] ?? '');
  return scripts.join('\n');
}

function literalText(node: ts.Node | undefined): string | undefined {
  return node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
}

/** The same sites as import-sites.ts, found with TypeScript's parser (no type checking). */
export function relativeSpecifiers(fileName: string, text: string): string[] {
  const code = fileName.endsWith('.svelte') ? scriptsOf(text) : text;
  const source = ts.createSourceFile(fileName, code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    let specifier: string | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) specifier = literalText(node.moduleSpecifier);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
      specifier = literalText(node.argument.literal);
    else if (ts.isExternalModuleReference(node)) specifier = literalText(node.expression);
    else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const loads =
        callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require');
      if (loads) specifier = literalText(node.arguments[0]);
    }
    if (specifier !== undefined && isRelative(specifier)) found.push(specifier);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

export class ImportGraph {
  readonly #srcDir: string;
  #files = new Map<string, FileEntry>();
  /** Resolved edges, filled on demand; cleared whenever a file changes, since resolution depends on which files exist. */
  #edges = new Map<string, readonly string[]>();
  #checkedAt = Number.NEGATIVE_INFINITY;

  constructor(srcDir: string) {
    this.#srcDir = srcDir;
  }

  /** Brings the graph up to date with the disk, unless that was done less than a second ago. */
  refresh(now = Date.now()): void {
    if (now - this.#checkedAt < RECHECK_MS) return;
    this.#checkedAt = now;
    const next = new Map<string, FileEntry>();
    let changed = false;
    for (const name of readdirSync(this.#srcDir, { recursive: true, encoding: 'utf8' })) {
      if (!SOURCE_EXTENSIONS.some((extension) => name.endsWith(extension))) continue;
      const file = join(this.#srcDir, name);
      const stat = statSync(file);
      if (!stat.isFile()) continue;
      const known = this.#files.get(file);
      if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) {
        next.set(file, known);
        continue;
      }
      changed = true;
      const specifiers = relativeSpecifiers(file, readFileSync(file, 'utf8'));
      next.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, specifiers });
    }
    if (changed || next.size !== this.#files.size) this.#edges.clear();
    this.#files = next;
  }

  /** The file of ours a specifier in `importer` loads, or undefined (a package, or a file outside src/). */
  resolve(importer: string, specifier: string): string | undefined {
    if (!isRelative(specifier)) return undefined;
    return candidateFiles(targetOf(importer, specifier)).find((file) => this.#files.has(file));
  }

  #edgesOf(file: string): readonly string[] {
    let edges = this.#edges.get(file);
    if (edges === undefined) {
      const specifiers = this.#files.get(file)?.specifiers ?? [];
      edges = [...new Set(specifiers.map((s) => this.resolve(file, s)).filter((t) => t !== undefined))];
      this.#edges.set(file, edges);
    }
    return edges;
  }

  /** The shortest import chain from `from` to `to` (both included), or undefined when there is none. */
  chain(from: string, to: string): string[] | undefined {
    const cameFrom = new Map<string, string | undefined>([[from, undefined]]);
    const queue = [from];
    // Iterating an array while pushing to it visits the pushed items too: a breadth-first walk.
    for (const file of queue) {
      if (file === to) {
        const chain: string[] = [];
        for (let step: string | undefined = to; step !== undefined; step = cameFrom.get(step)) chain.unshift(step);
        return chain;
      }
      for (const next of this.#edgesOf(file)) {
        if (!cameFrom.has(next)) {
          cameFrom.set(next, file);
          queue.push(next);
        }
      }
    }
    return undefined;
  }
}

const graphs = new Map<string, ImportGraph>();

/** The shared, up-to-date graph of `srcDir`. */
export function importGraphOf(srcDir: string): ImportGraph {
  let graph = graphs.get(srcDir);
  if (graph === undefined) {
    graph = new ImportGraph(srcDir);
    graphs.set(srcDir, graph);
  }
  graph.refresh();
  return graph;
}
