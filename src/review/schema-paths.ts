// Schema change review: for each permission, the set of its granting paths (every way through
// relations, arrows and operators down to a stored relationship), so that two schemas can be
// compared permission by permission. A small reader for the subset of the schema language
// schema.zed uses: definitions, relations with their subject types, and permissions built with
// + (union), & (intersection), - (exclusion), -> (arrow), parentheses and nil. Union binds
// tighter than & and -, as in SpiceDB.

export interface Definition {
  relations: Map<string, string[]>; // relation -> subject types ("rep", "rep:*", "group#member")
  permissions: Map<string, Expr>;
}
export type Expr =
  | { op: 'ref'; name: string }
  | { op: 'arrow'; relation: string; target: string }
  | { op: 'nil' }
  | { op: '+' | '&' | '-'; left: Expr; right: Expr };

export function parseSchema(text: string): Map<string, Definition> {
  const src = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const defs = new Map<string, Definition>();
  for (const m of src.matchAll(/definition\s+(\w+)\s*\{([^}]*)\}/g)) {
    const def: Definition = { relations: new Map(), permissions: new Map() };
    for (const line of m[2]!.split('\n').map((l) => l.trim()).filter(Boolean)) {
      const rel = /^relation\s+(\w+)\s*:\s*(.+)$/.exec(line);
      if (rel) {
        def.relations.set(rel[1]!, rel[2]!.split('|').map((t) => t.trim().replace(/\s+with\s+\w+$/, '')));
        continue;
      }
      const perm = /^permission\s+(\w+)\s*=\s*(.+)$/.exec(line);
      if (perm) def.permissions.set(perm[1]!, parseExpr(perm[2]!));
    }
    defs.set(m[1]!, def);
  }
  return defs;
}

function parseExpr(text: string): Expr {
  const tokens = text.match(/->|[()+&-]|\w+/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const primary = (): Expr => {
    const t = tokens[i++];
    if (t === '(') {
      const e = expr();
      i++; // ')'
      return e;
    }
    if (t === 'nil') return { op: 'nil' };
    if (peek() === '->') {
      i++;
      return { op: 'arrow', relation: t!, target: tokens[i++]! };
    }
    return { op: 'ref', name: t! };
  };
  /** one left-associative level: operands of the tighter level joined by `op` */
  const level =
    (op: '+' | '&' | '-', operand: () => Expr) =>
    (): Expr => {
      let e = operand();
      while (peek() === op) {
        i++;
        e = { op, left: e, right: operand() };
      }
      return e;
    };
  // SpiceDB's precedence, tightest first: +, then &, then - (its parser's
  // ComputeExpressionOperators), each left-associative: a - b & c is a - (b & c)
  const union = level('+', primary);
  const intersection = level('&', union);
  const expr = level('-', intersection);
  return expr();
}

/**
 * The granting paths of def#name: one string per way down to a stored relationship, each step
 * marked with the operator that joins it (+ granting, & required, - excluding).
 */
export function pathsOf(defs: Map<string, Definition>, def: string, name: string, seen: string[] = []): string[] {
  const key = `${def}#${name}`;
  if (seen.includes(key)) return [`${key} (cycle)`];
  const d = defs.get(def);
  if (!d) return [`${key} (unknown)`];
  const rel = d.relations.get(name);
  if (rel) return rel.map((t) => `${key}@${t}`);
  const perm = d.permissions.get(name);
  if (!perm) return [`${key} (unknown)`];
  const walk = (e: Expr, sign: string): string[] => {
    switch (e.op) {
      case 'nil':
        return [];
      case 'ref':
        return pathsOf(defs, def, e.name, [...seen, key]).map((p) => `${sign}${p}`);
      case 'arrow':
        return (d.relations.get(e.relation) ?? []).flatMap((t) =>
          pathsOf(defs, t.split(/[:#]/)[0]!, e.target, [...seen, key]).map((p) => `${sign}${def}#${e.relation}->${p}`),
        );
      default: {
        const right = e.op === '+' ? sign : `${sign}${e.op}`;
        return [...walk(e.left, sign), ...walk(e.right, right)];
      }
    }
  };
  return walk(perm, '').map((p) => `${key} > ${p}`);
}

export interface PermissionChange {
  permission: string;
  added: string[];
  removed: string[];
}

/** every permission (in either schema) whose set of granting paths differs */
export function diffSchemas(oldText: string, newText: string): PermissionChange[] {
  const a = parseSchema(oldText);
  const b = parseSchema(newText);
  const names = new Set<string>();
  for (const defs of [a, b]) for (const [def, d] of defs) for (const p of d.permissions.keys()) names.add(`${def}#${p}`);
  const changes: PermissionChange[] = [];
  for (const full of [...names].sort()) {
    const [def, perm] = full.split('#') as [string, string];
    const before = new Set(a.get(def)?.permissions.has(perm) ? pathsOf(a, def, perm) : []);
    const after = new Set(b.get(def)?.permissions.has(perm) ? pathsOf(b, def, perm) : []);
    const added = [...after].filter((p) => !before.has(p));
    const removed = [...before].filter((p) => !after.has(p));
    if (added.length || removed.length) changes.push({ permission: full, added, removed });
  }
  return changes;
}
