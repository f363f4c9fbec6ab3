/**
 * The experiment config of SPEC §10 (`ssm-poison run config.json`), validated with zod.
 *
 * The config is a discriminated union on `kind`: "gradient-flow" and "gradient-descent"
 * share the model, data, seed and evaluation keys; each adds its own (`flow`, or
 * `optimizer` and `stop`). A new kind is one more member of `experimentConfigSchema`.
 *
 * Every error names the field path, the expected value and what was found, e.g.
 * `config.flow.rtol: expected a number in (0, 1), received -1`; unknown keys are errors
 * that name them (with a "did you mean" hint).
 */
import { z } from 'zod';

import { SsmPoisonError } from '../errors';
import { officialDiff } from '../init';
import { distance } from '../validate';

/** SciPy odeint's default rtol = atol: what the official Theorem-1 notebook used. */
export const ODEINT_DEFAULT_TOLERANCE = 1.49012e-8;
/** Tolerances of the other integrators when the config gives none (lib/flow.ts defaults). */
export const FLOW_DEFAULT_RTOL = 1e-10;
export const FLOW_DEFAULT_ATOL = 1e-16;
/** Default extrapolation range: the Theorem-1 preset's (see THEOREM1_EXTRAPOLATION). */
export const DEFAULT_EXTRAPOLATION = { from: 0, to: 20 } as const;

// ---------------------------------------------------------------------------------------
// Building blocks. Every message is the "expected" part; the formatter adds the path and
// the value received.

function number(what: string, ok: (v: number) => boolean = () => true) {
  return z.number({ invalid_type_error: what, required_error: what }).refine((v) => Number.isFinite(v) && ok(v), what);
}

function integer(what: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return z.number({ invalid_type_error: what, required_error: what }).refine((v) => Number.isInteger(v) && v >= min && v <= max, what);
}

const finite = number('a finite number');
const positive = number('a number > 0', (v) => v > 0);
const nonNegative = number('a number ≥ 0', (v) => v >= 0);
const unit = number('a number in (0, 1)', (v) => v > 0 && v < 1);

function vector(what = 'a non-empty array of finite numbers') {
  return z.array(finite, { invalid_type_error: what, required_error: what }).min(1, what);
}

function literalChoice<const T extends [string, ...string[]]>(values: T) {
  const what = values.length === 1 ? JSON.stringify(values[0]) : `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`;
  return z.enum(values, { errorMap: () => ({ message: what }) });
}


/** An object that accepts only the keys of `shape`; an unknown key is an error naming it. */
function strictObject<T extends z.ZodRawShape>(shape: T, what = 'an object') {
  const known = Object.keys(shape);
  return z
    .object(shape, { invalid_type_error: what, required_error: what })
    .passthrough()
    .superRefine((value, ctx) => {
      for (const key of Object.keys(value)) {
        if (known.includes(key)) continue;
        const best = known.map((k) => [k, distance(key, k)] as const).sort((p, q) => p[1] - q[1])[0];
        const hint = best && best[1] <= Math.max(2, key.length / 3) ? ` (did you mean "${best[0]}"?)` : '';
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          message: `only the keys ${known.join(', ')}`,
          params: { received: `unknown key "${key}"${hint}` },
        });
      }
    }) as unknown as z.ZodObject<T, 'strip'>;
  // (typed as the plain object: unknown keys never get past the refinement)
}

// ---------------------------------------------------------------------------------------
// Shared parts

const ssmSchema = strictObject({ a: vector(), b: vector(), c: vector() }, 'an object {a, b, c}').superRefine((m, ctx) => {
  for (const k of ['b', 'c'] as const) {
    if (m[k].length !== m.a.length) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [k], message: `an array of ${m.a.length} numbers (as long as a)`, params: { received: `${m[k].length} numbers` } });
    }
  }
});

const mlpSchema = strictObject({
  width: integer('an integer ≥ 1', 1),
  depth: integer('an integer ≥ 1', 1),
  sd: positive,
  teacher: literalChoice(['official']).default('official'),
}, 'null or an object {width, depth, sd, teacher}');

const initSchema = z.union([
  literalChoice(['theorem1', 'official']),
  ssmSchema,
], { errorMap: () => ({ message: '"theorem1", "official" or an object {a, b, c}' }) });

const fixedVector = z.union([literalChoice(['ones']), vector()], {
  errorMap: () => ({ message: '"ones" or an array of numbers' }),
});

const studentSchema = strictObject({
  dim: integer('an integer ≥ 1', 1),
  init: initSchema.default('theorem1'),
  sdA: positive.default(1e-3),
  sdBC: positive.default(1e-3),
  diff: nonNegative.optional(),
  diffExponent: finite.optional(),
  warmInit: finite.default(0),
  b: fixedVector.default('ones'),
  c: fixedVector.default('ones'),
  train: z
    .array(literalChoice(['a', 'b', 'c', 'mlp']), { invalid_type_error: 'a non-empty array of "a", "b", "c", "mlp"' })
    .min(1, 'a non-empty array of "a", "b", "c", "mlp"')
    .refine((t) => new Set(t).size === t.length, 'an array without repeated entries')
    .optional(), // default per kind: ["a"] for gradient flow, a, b, c (and mlp) for gradient descent
}, 'an object {dim, init, sdA, diff or diffExponent, …}').superRefine((s, ctx) => {
  if (s.diff !== undefined && s.diffExponent !== undefined) {
    const implied = officialDiff(s.sdA, s.diffExponent);
    if (Math.abs(s.diff - implied) > 1e-12 * implied) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['diff'], message: `either diff or diffExponent (diffExponent ${s.diffExponent} implies diff = ${implied})` });
    }
  }
  if (s.init === 'theorem1' && s.diff === undefined && s.diffExponent === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['diff'], message: 'a number ≥ 0 (or student.diffExponent) for the "theorem1" init' });
  }
  if (typeof s.init === 'object' && s.init.a.length !== s.dim) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['init', 'a'], message: `an array of ${s.dim} numbers (student.dim)`, params: { received: `${s.init.a.length} numbers` } });
  }
  for (const k of ['b', 'c'] as const) {
    const v = s[k];
    if (Array.isArray(v) && v.length !== s.dim) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: [k], message: `an array of ${s.dim} numbers (student.dim)`, params: { received: `${v.length} numbers` } });
    }
  }
});

const familySchema = strictObject({
  count: integer('an integer ≥ 0', 0, 1e7).optional(),
  positions: z
    .array(integer('an integer ≥ 0', 0), { invalid_type_error: 'an array [from, to) of two integers', required_error: 'an array [from, to) of two integers' })
    .length(2, 'an array [from, to) of two integers')
    .refine((p) => p[0] < p[1], 'an array [from, to) with from < to'),
  sd: nonNegative.default(1),
  values: z.array(z.array(finite, { invalid_type_error: 'an array of finite numbers' }), { invalid_type_error: 'an array of rows (one per sequence)' }).optional(),
}, 'an object {count, positions, sd, values}').superRefine((f, ctx) => {
  if (f.count === undefined && f.values === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['count'], message: 'an integer ≥ 0 (or values)' });
  }
  if (f.values !== undefined) {
    if (f.count !== undefined && f.values.length !== f.count) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['values'], message: `${f.count} rows (one per sequence, count)`, params: { received: `${f.values.length} rows` } });
    }
    const width = f.positions[1] - f.positions[0];
    f.values.forEach((row, k) => {
      if (row.length !== width) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['values', k], message: `a row of ${width} numbers (positions ${f.positions[0]}…${f.positions[1] - 1})`, params: { received: `${row.length} numbers` } });
      }
    });
  }
}).transform((f) => ({ ...f, count: f.count ?? f.values!.length, positions: f.positions as [number, number] }));

const dataSchema = strictObject({
  baseline: familySchema,
  special: familySchema.nullable().default(null),
  rng: literalChoice(['numpy', 'fast']).default('numpy'),
}, 'an object {baseline, special, rng}');

const evalSchema = strictObject({
  extrapolation: strictObject({
    from: integer('an integer ≥ 0', 0, 2 ** 31 - 1).default(DEFAULT_EXTRAPOLATION.from),
    to: integer('an integer ≥ 0', 0, 2 ** 31 - 1).default(DEFAULT_EXTRAPOLATION.to),
  }, 'an object {from, to}').refine((r) => r.to >= r.from, { message: 'an integer ≥ extrapolation.from', path: ['to'] })
    .default({ ...DEFAULT_EXTRAPOLATION }),
  logEvery: integer('an integer ≥ 1', 1).default(100),
}, 'an object {extrapolation, logEvery}');

const seedsSchema = z
  .array(integer('an integer in [0, 4294967295]', 0, 0xffffffff), { invalid_type_error: 'a non-empty array of integer seeds', required_error: 'a non-empty array of integer seeds' })
  .min(1, 'a non-empty array of integer seeds')
  .refine((s) => new Set(s).size === s.length, 'seeds without repeats');

const sharedShape = {
  length: integer('an integer ≥ 2', 2, 2 ** 31 - 1),
  teacher: ssmSchema,
  student: studentSchema,
  data: dataSchema,
  seeds: seedsSchema,
  eval: evalSchema.default({}),
};

/** Checks between sections: positions inside the sequence, the train list, the init. */
function checkShared(c: { length: number; data: z.infer<typeof dataSchema> }, ctx: z.RefinementCtx): void {
  for (const name of ['baseline', 'special'] as const) {
    const f = c.data[name];
    if (f && f.positions[1] > c.length) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['data', name, 'positions', 1], message: `an integer ≤ length (${c.length})`, params: { value: f.positions[1] } });
    }
  }
  if (c.data.baseline.count + (c.data.special?.count ?? 0) < 1) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['data', 'baseline', 'count'], message: 'at least one sequence in total' });
  }
}

// ---------------------------------------------------------------------------------------
// Gradient flow

const flowSectionSchema = strictObject({
  // 'arc-length': the large-κ flow (arc length, log-scale time, scaled arithmetic; a only)
  method: literalChoice(['lsoda', 'auto', 'dopri5', 'rosenbrock', 'arc-length']).default('lsoda'),
  rtol: unit.optional(),
  atol: positive.optional(),
  until: positive.optional(),
  outputs: integer('an integer in [1, 10000000]', 1, 1e7).default(1000),
  spacing: literalChoice(['linear', 'log']).default('linear'),
  lossTol: nonNegative.optional(),
  gradTol: nonNegative.optional(),
  maxSteps: integer('an integer ≥ 1', 1).optional(),
}, 'an object {method, rtol, atol, until, outputs, spacing}').superRefine((f, ctx) => {
  if (f.until === undefined && f.method !== 'arc-length') {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['until'], message: 'a number > 0 (only "arc-length" runs until convergence without one)' });
  }
}).transform((f) => ({
  ...f,
  until: f.until ?? Infinity, // arc-length without until: run to convergence
  // 'lsoda' defaults to odeint's tolerances, as the official experiments ran
  rtol: f.rtol ?? (f.method === 'lsoda' ? ODEINT_DEFAULT_TOLERANCE : FLOW_DEFAULT_RTOL),
  atol: f.atol ?? (f.method === 'lsoda' ? ODEINT_DEFAULT_TOLERANCE : FLOW_DEFAULT_ATOL),
}));

export const gradientFlowConfigSchema = strictObject({
  kind: z.literal('gradient-flow'),
  ...sharedShape,
  mlp: z.null({ errorMap: () => ({ message: 'null (gradient flow trains a standalone SSM; an SSM inside an MLP needs "kind": "gradient-descent")' }) }).default(null),
  flow: flowSectionSchema,
}).superRefine((c, ctx) => {
  checkShared(c, ctx);
  if (c.student.init === 'official') {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['student', 'init'], message: '"theorem1" or an object {a, b, c} for gradient-flow runs ("official", the Keras-order init of the gradient-descent experiments, is not available for gradient flow)' });
  }
  if (c.student.train?.includes('mlp')) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['student', 'train'], message: 'a subset of "a", "b", "c" (gradient flow trains a standalone SSM)' });
  }
}).transform((c) => ({ ...c, student: { ...c.student, train: c.student.train ?? ['a'] } }));

// ---------------------------------------------------------------------------------------
// Gradient descent

const optimizerSchema = strictObject({
  kind: literalChoice(['gd', 'adaptive', 'adam']).default('adaptive'),
  lr: positive,
  beta: unit.default(0.8),
  soft: nonNegative.default(1e-6),
  beta1: unit.default(0.9),
  beta2: unit.default(0.999),
  epsilon: nonNegative.default(1e-7),
}, 'an object {kind, lr, …}');

const stopSchema = strictObject({
  maxEpochs: integer('an integer ≥ 1', 1).default(1_000_000),
  eps: nonNegative.default(0.01),
  epochsAfterStop: integer('an integer ≥ 0', 0).default(1500),
}, 'an object {maxEpochs, eps, epochsAfterStop}');

export const gradientDescentConfigSchema = strictObject({
  kind: z.literal('gradient-descent'),
  ...sharedShape,
  mlp: mlpSchema.nullable().default(null),
  optimizer: optimizerSchema,
  stop: stopSchema.default({}),
}).superRefine((c, ctx) => {
  checkShared(c, ctx);
  if (c.student.train?.includes('mlp') && c.mlp === null) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['student', 'train'], message: 'a subset of "a", "b", "c" (no mlp is configured)' });
  }
}).transform((c) => ({
  ...c,
  student: { ...c.student, train: c.student.train ?? (c.mlp ? ['a', 'b', 'c', 'mlp'] : ['a', 'b', 'c']) },
}));

// ---------------------------------------------------------------------------------------

/**
 * The discriminated union of all kinds, keyed by `kind`: add a member here for a new kind
 * of run. (zod's own discriminatedUnion needs plain objects; ours carry refinements.)
 */
export const experimentConfigSchemas = {
  'gradient-flow': gradientFlowConfigSchema,
  'gradient-descent': gradientDescentConfigSchema,
} as const;

export type GradientFlowConfig = z.output<typeof gradientFlowConfigSchema>;
export type GradientDescentConfig = z.output<typeof gradientDescentConfigSchema>;
export type ExperimentConfig = GradientFlowConfig | GradientDescentConfig;
export type ExperimentKind = ExperimentConfig['kind'];

/** One problem with a config. */
export interface ConfigIssue {
  /** e.g. "config.flow.rtol" */
  path: string;
  expected: string;
  received: string;
}

/** An invalid config; `message` lists every issue, one per line. */
export class ConfigError extends SsmPoisonError {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[], source?: string) {
    const lines = issues.map((i) => `  ${i.path}: expected ${i.expected}, received ${i.received}`);
    super(`Invalid config${source ? ` ${source}` : ''}:\n${lines.join('\n')}`, 'ERR_SSM_INVALID_CONFIG');
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

function pathString(path: readonly (string | number)[]): string {
  return path.reduce<string>((s, p) => (typeof p === 'number' ? `${s}[${p}]` : `${s}.${p}`), 'config');
}

const MISSING = Symbol('missing');

function valueAt(input: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (typeof v !== 'object' || v === null || !(p in (v as Record<string, unknown>))) return MISSING;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

function show(value: unknown): string {
  if (value === MISSING || value === undefined) return 'nothing (the key is missing)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** zod's own wording, which the schema's messages replace (they say what is expected). */
const isZodDefault = (message: string) => /^(Expected |Required$|Invalid )/.test(message);

/** Messages for the issues zod raises itself without a message of ours (types, literals). */
const errorMap: z.ZodErrorMap = (issue, ctx) => {
  if (!isZodDefault(ctx.defaultError)) return { message: ctx.defaultError };
  switch (issue.code) {
    case z.ZodIssueCode.invalid_type:
      return { message: issue.expected === 'object' ? 'an object' : issue.expected === 'array' ? 'an array' : `a ${issue.expected}` };
    case z.ZodIssueCode.invalid_literal:
      return { message: JSON.stringify(issue.expected) };
    default:
      return { message: ctx.defaultError };
  }
};

function toIssues(error: z.ZodError, input: unknown): ConfigIssue[] {
  return error.issues.map((issue) => {
    const params = (issue as { params?: { received?: string; value?: unknown } }).params;
    let received: string;
    if (params?.received !== undefined) received = params.received;
    else if (params && 'value' in params) received = show(params.value);
    else received = show(valueAt(input, issue.path));
    return { path: pathString(issue.path), expected: issue.message, received };
  });
}

/**
 * Validates a parsed JSON config and fills in the defaults. Throws ConfigError naming every
 * problem (field path, expected value, value received).
 */
export function parseExperimentConfig(input: unknown, source?: string): ExperimentConfig {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError([{ path: 'config', expected: 'an object', received: show(input) }], source);
  }
  const kinds = Object.keys(experimentConfigSchemas) as ExperimentKind[];
  const kind = (input as { kind?: unknown }).kind;
  if (typeof kind !== 'string' || !kinds.includes(kind as ExperimentKind)) {
    throw new ConfigError([{
      path: 'config.kind', expected: kinds.map((k) => JSON.stringify(k)).join(' or '), received: show(valueAt(input, ['kind'])),
    }], source);
  }
  const result = experimentConfigSchemas[kind as ExperimentKind].safeParse(input, { errorMap });
  if (!result.success) throw new ConfigError(toIssues(result.error, input), source);
  return result.data as unknown as ExperimentConfig;
}
