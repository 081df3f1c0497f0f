// Where things are in a parsed YAML document: the features the loader refuses (custom tags,
// other YAML versions, complex keys), and the mapping between key paths and file offsets
// that lets every configuration problem name its line and column.
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, visit, type Document, type Node } from 'yaml';
import { canonicalHostName } from './schema.js';

export type Path = (string | number)[];
/** Where a problem points: at the value, or at the key itself (unknown or invalid keys). */
export type Target = 'value' | 'key';

const ALLOWED_TAGS = new Set(['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`));

// ---- YAML: features we refuse ----------------------------------------------------------------

export function yamlFeatureProblems(doc: Document.Parsed): { offset: number; message: string }[] {
  const found: { offset: number; message: string }[] = [];
  const version = doc.directives?.yaml;
  if (version?.explicit && version.version !== '1.2') {
    // A %YAML 1.1 directive would turn `yes`/`no`/`on` into booleans, among other surprises.
    found.push({ offset: 0, message: `%YAML ${version.version}: only YAML 1.2 is supported (remove the directive)` });
  }
  visit(doc, {
    Pair(_, pair) {
      if (pair.key !== null && !isScalar(pair.key) && isNode(pair.key)) {
        found.push({ offset: pair.key.range?.[0] ?? 0, message: 'keys must be plain names, not lists or mappings' });
      }
    },
    Alias(_, alias) {
      if (!alias.resolve(doc)) {
        found.push({ offset: alias.range?.[0] ?? 0, message: `alias *${alias.source} refers to no anchor defined before it` });
      }
    },
    Node(_, node, ancestors) {
      if (node.tag !== undefined && !ALLOWED_TAGS.has(node.tag)) {
        const tag = node.tag.replace(/^tag:yaml\.org,2002:/, '!!');
        // Point at the key whose value carries the tag: the value's range starts after the tag.
        const parent = ancestors.at(-1);
        const at = isPair(parent) && parent.value === node && isNode(parent.key) ? parent.key : node;
        found.push({ offset: at.range?.[0] ?? 0, message: `tag ${tag} is not allowed (only plain YAML values are)` });
      }
    },
  });
  return found;
}

// ---- YAML: key path <-> position -------------------------------------------------------------

export interface Step {
  key: Node | undefined;
  value: Node | undefined;
}

/** Follows a key path through the document as far as it exists (aliases are followed). */
export function walk(doc: Document.Parsed, path: Path): Step[] {
  const steps: Step[] = [];
  let node: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    const segment = path[i]!;
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const items = node.items.filter((pair) => isScalar(pair.key));
      const keyText = (pair: (typeof items)[number]): string => String((pair.key as { value: unknown }).value);
      let pair = items.find((p) => keyText(p) === String(segment));
      // Host names are canonicalised (lower-cased): find "Example.ORG" for "example.org".
      if (!pair && i === 1 && path[0] === 'hosts') pair = items.find((p) => canonicalHostName(keyText(p)) === segment);
      if (!pair) break;
      node = pair.value;
      steps.push({ key: pair.key as Node, value: isNode(pair.value) ? pair.value : undefined });
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment];
      steps.push({ key: undefined, value: isNode(node) ? node : undefined });
    } else {
      break;
    }
  }
  return steps;
}

/**
 * Offset of the node for `path`: a key when the target is a key, when the value is a mapping or
 * list (its key line reads best), or when the path ends beyond the file (a missing key: its
 * parent); otherwise the value itself. Undefined when not even the first key is in the file.
 */
export function offsetOf(doc: Document.Parsed, path: Path, target: Target): number | undefined {
  const steps = walk(doc, path);
  const last = steps.at(-1);
  if (!last) return path.length === 0 ? rootOffset(doc) : undefined;
  const complete = steps.length === path.length;
  const value = last.value;
  const preferKey = target === 'key' || !complete || value === undefined || isMap(value) || isSeq(value);
  const node = preferKey && last.key ? last.key : (value ?? last.key);
  return node?.range?.[0] ?? rootOffset(doc);
}

export function rootOffset(doc: Document.Parsed): number {
  return doc.contents?.range?.[0] ?? 0;
}

/** The key path of the deepest node that contains `offset` (for YAML syntax errors). */
export function pathAt(doc: Document.Parsed, offset: number): Path {
  const path: Path = [];
  const inside = (n: unknown): boolean => isNode(n) && !!n.range && n.range[0] <= offset && offset < Math.max(n.range[2], n.range[0] + 1);
  let node: unknown = doc.contents;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (inside(p.key) || inside(p.value)));
      if (!pair || !isScalar(pair.key)) return path;
      path.push(String(pair.key.value));
      if (inside(pair.key)) return path;
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex(inside);
      if (index === -1) return path;
      path.push(index);
      node = node.items[index];
    } else {
      return path;
    }
  }
}
