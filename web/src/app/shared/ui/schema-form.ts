import { FormControl, FormGroup, Validators, type AbstractControl, type ValidationErrors, type ValidatorFn } from '@angular/forms';
import { fieldMessage } from './form-errors';

/**
 * Forms generated from a JSON Schema object (a plugin manifest's `parameters`, an alert
 * module's settings). The supported subset is what a person can fill in one field each:
 * string, number, integer, boolean and enumerations, with `default`, `description` (help
 * text), `required`, `minimum`/`maximum` (and the exclusive forms), `minLength`/`maxLength`
 * and `pattern`. Properties of other types are listed as `unsupported` and their values kept
 * unchanged, so saving never loses what the form cannot show.
 */

type SchemaFieldType = 'string' | 'number' | 'integer' | 'boolean' | 'enum';

export interface SchemaField {
  key: string;
  type: SchemaFieldType;
  /** `title`, or the property name in words (`sampleMs` → "Sample (ms)"). */
  label: string;
  description?: string;
  required: boolean;
  default?: unknown;
  /** Allowed values of an `enum` field, with what the select shows for each. */
  choices?: readonly { value: string | number | boolean; label: string }[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** Long text: a textarea instead of a one-line input (`format: "textarea"`). */
  multiline?: boolean;
  /** Write-only text such as a token (`format: "password"` or `writeOnly`). */
  secret?: boolean;
  /** Placeholder shown in an empty field (`examples[0]`). */
  example?: string;
}

export interface ParsedSchema {
  fields: SchemaField[];
  /** Properties the form cannot edit (arrays, objects…); their values pass through untouched. */
  unsupported: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Reads the fields of an object schema; anything that is not an object schema yields no fields. */
export function parseSchema(schema: unknown): ParsedSchema {
  const out: ParsedSchema = { fields: [], unsupported: [] };
  if (!isRecord(schema) || !isRecord(schema['properties'])) return out;
  const required = new Set(Array.isArray(schema['required']) ? schema['required'].filter((r): r is string => typeof r === 'string') : []);
  for (const [key, prop] of Object.entries(schema['properties'])) {
    const field = parseProperty(key, prop, required.has(key));
    if (field) out.fields.push(field);
    else out.unsupported.push(key);
  }
  return out;
}

function parseProperty(key: string, prop: unknown, required: boolean): SchemaField | undefined {
  if (!isRecord(prop)) return undefined;
  // `type: ["string", "null"]` is a nullable string: the form treats it as an optional string.
  const rawType = Array.isArray(prop['type']) ? prop['type'].find((t) => t !== 'null') : prop['type'];
  const base: SchemaField = {
    key,
    type: 'string',
    label: str(prop['title']) ?? keyLabel(key),
    description: str(prop['description']),
    required,
    default: prop['default'],
    minimum: num(prop['minimum']),
    maximum: num(prop['maximum']),
    exclusiveMinimum: num(prop['exclusiveMinimum']),
    exclusiveMaximum: num(prop['exclusiveMaximum']),
    minLength: num(prop['minLength']),
    maxLength: num(prop['maxLength']),
    pattern: str(prop['pattern']),
    example: Array.isArray(prop['examples']) && prop['examples'].length > 0 ? String(prop['examples'][0]) : undefined,
  };
  const choices = enumChoices(prop);
  if (choices) return { ...base, type: 'enum', choices };
  switch (rawType) {
    case 'string':
      return {
        ...base,
        type: 'string',
        multiline: prop['format'] === 'textarea',
        secret: prop['format'] === 'password' || prop['format'] === 'secret' || prop['writeOnly'] === true,
      };
    case 'number':
    case 'integer':
    case 'boolean':
      return { ...base, type: rawType };
    default:
      return undefined;
  }
}

/** Units a property name may end in, shown in brackets: `timeoutMs` → "Timeout (ms)". */
const UNITS: Readonly<Record<string, string>> = { ms: 'ms', seconds: 's', secs: 's', s: 's', minutes: 'min', mib: 'MiB', kib: 'KiB', bytes: 'bytes', pct: '%', percent: '%' };
/** Words written in capitals wherever they appear in a property name. */
const ACRONYMS = new Set(['url', 'tls', 'http', 'https', 'ip', 'tcp', 'udp', 'dns', 'cpu', 'id', 'sni', 'ssl']);

/**
 * A property name in words, for a schema without `title` (issue 21: manifests labelled
 * "sampleMs", "minorAbove"): camelCase, snake_case and kebab-case split into words, the
 * first capitalised, acronyms in capitals, a trailing unit in brackets.
 */
export function keyLabel(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_\-.]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
  if (words.length === 0) return key;
  const last = words.at(-1) ?? '';
  const unit = words.length > 1 ? UNITS[last] : undefined;
  const body = (unit ? words.slice(0, -1) : words).map((w) => (ACRONYMS.has(w) ? w.toUpperCase() : w));
  const first = body[0] ?? '';
  body[0] = first.charAt(0).toUpperCase() + first.slice(1);
  return unit ? `${body.join(' ')} (${unit})` : body.join(' ');
}

/** `enum: [...]`, or `oneOf`/`anyOf` of `{ const, title }` (titled choices). */
function enumChoices(prop: Record<string, unknown>): SchemaField['choices'] {
  const scalar = (v: unknown): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v);
  if (Array.isArray(prop['enum'])) {
    const values = prop['enum'].filter(scalar);
    return values.length ? values.map((value) => ({ value, label: String(value) })) : undefined;
  }
  const variants = Array.isArray(prop['oneOf']) ? prop['oneOf'] : Array.isArray(prop['anyOf']) ? prop['anyOf'] : undefined;
  if (!variants || !variants.every((v) => isRecord(v) && scalar(v['const']))) return undefined;
  return (variants as Record<string, unknown>[]).map((v) => ({ value: v['const'] as string | number | boolean, label: str(v['title']) ?? String(v['const']) }));
}

/** A generated form: its fields, the Angular form group, and the values it cannot edit. */
export interface SchemaForm {
  fields: readonly SchemaField[];
  unsupported: readonly string[];
  group: FormGroup<Record<string, FormControl<unknown>>>;
  /** Values of unsupported properties (and unknown keys) from the initial values, kept as they were. */
  kept: Readonly<Record<string, unknown>>;
}

/** Builds the form for `schema`, filled from `values`, else each field's `default`. */
export function createSchemaForm(schema: unknown, values: Readonly<Record<string, unknown>> = {}): SchemaForm {
  const { fields, unsupported } = parseSchema(schema);
  const controls: Record<string, FormControl<unknown>> = {};
  // A stored secret parameter comes back as `{ set: true }` (docs/devices.md, "Credentials"): the field starts
  // empty, and the marker is kept and sent back (the core keeps the secret) unless a new value is typed.
  const storedSecret = (field: SchemaField) => field.secret && isSetMarker(values[field.key]);
  for (const field of fields) {
    const initial = storedSecret(field) ? '' : Object.hasOwn(values, field.key) ? values[field.key] : (field.default ?? emptyValue(field));
    controls[field.key] = new FormControl<unknown>(initial, { validators: storedSecret(field) ? [] : fieldValidators(field) });
  }
  const known = new Set(fields.filter((f) => !storedSecret(f)).map((f) => f.key));
  const kept = Object.fromEntries(Object.entries(values).filter(([key]) => !known.has(key)));
  return { fields, unsupported, group: new FormGroup(controls), kept };
}

const isSetMarker = (v: unknown) => !!v && typeof v === 'object' && (v as { set?: unknown }).set === true;

function emptyValue(field: SchemaField): unknown {
  if (field.type === 'boolean') return false;
  if (field.type === 'string') return '';
  return null;
}

/** Validators enforcing one field's schema. */
function fieldValidators(field: SchemaField): ValidatorFn[] {
  const out: ValidatorFn[] = [];
  if (field.required && field.type !== 'boolean') out.push(Validators.required);
  if (field.type === 'number' || field.type === 'integer') {
    out.push(isNumber);
    if (field.type === 'integer') out.push(isInteger);
    if (field.minimum !== undefined) out.push(Validators.min(field.minimum));
    if (field.maximum !== undefined) out.push(Validators.max(field.maximum));
    if (field.exclusiveMinimum !== undefined) out.push(exclusive('exclusiveMinimum', field.exclusiveMinimum, (v, b) => v > b));
    if (field.exclusiveMaximum !== undefined) out.push(exclusive('exclusiveMaximum', field.exclusiveMaximum, (v, b) => v < b));
  }
  if (field.type === 'string') {
    if (field.minLength !== undefined && field.minLength > 0) out.push(Validators.minLength(field.minLength));
    if (field.maxLength !== undefined) out.push(Validators.maxLength(field.maxLength));
    if (field.pattern !== undefined) out.push(patternValidator(field.pattern));
  }
  return out;
}

const blank = (v: unknown) => v === null || v === undefined || v === '';

function isNumber(control: AbstractControl): ValidationErrors | null {
  const v = control.value;
  return blank(v) || (typeof v === 'number' && Number.isFinite(v)) ? null : { number: true };
}

function isInteger(control: AbstractControl): ValidationErrors | null {
  const v = control.value;
  return blank(v) || (typeof v === 'number' && Number.isInteger(v)) ? null : { integer: true };
}

function exclusive(key: string, bound: number, ok: (value: number, bound: number) => boolean): ValidatorFn {
  return (control) => (typeof control.value === 'number' && !ok(control.value, bound) ? { [key]: { bound } } : null);
}

/** JSON Schema patterns are unanchored ECMAScript regexes, unlike Angular's anchored `Validators.pattern`. */
function patternValidator(pattern: string): ValidatorFn {
  let re: RegExp | undefined;
  try {
    re = new RegExp(pattern, 'u');
  } catch {
    re = undefined; // a pattern this browser cannot compile is left to the server to enforce
  }
  return (control) => (re && typeof control.value === 'string' && control.value !== '' && !re.test(control.value) ? { pattern: { pattern } } : null);
}

/** The message under a generated field, or undefined when it is valid. */
export function schemaFieldMessage(control: AbstractControl): string | undefined {
  const errors = control.errors;
  if (!errors) return undefined;
  if (errors['number']) return 'Must be a number.';
  if (errors['integer']) return 'Must be a whole number.';
  if (errors['exclusiveMinimum']) return `Must be more than ${(errors['exclusiveMinimum'] as { bound: number }).bound}.`;
  if (errors['exclusiveMaximum']) return `Must be less than ${(errors['exclusiveMaximum'] as { bound: number }).bound}.`;
  return fieldMessage(control);
}

/** What an empty field's help says about its limits, e.g. `1 to 100`. */
export function describeLimits(field: SchemaField): string {
  const parts: string[] = [];
  const lo = field.minimum ?? field.exclusiveMinimum;
  const hi = field.maximum ?? field.exclusiveMaximum;
  if (lo !== undefined && hi !== undefined) parts.push(`${field.minimum === undefined ? 'more than ' : ''}${lo} to ${field.maximum === undefined ? 'less than ' : ''}${hi}`);
  else if (lo !== undefined) parts.push(field.minimum === undefined ? `more than ${lo}` : `at least ${lo}`);
  else if (hi !== undefined) parts.push(field.maximum === undefined ? `less than ${hi}` : `at most ${hi}`);
  if (field.type !== 'boolean' && field.default !== undefined && field.default !== null && field.default !== '') parts.push(`default ${String(field.default)}`);
  return parts.join('; ');
}

/**
 * The values to send: every field with a value, numbers as numbers, and the kept values of
 * unsupported properties. Empty optional fields are left out, so the plugin's own default
 * applies rather than an empty string.
 */
export function schemaFormValue(form: SchemaForm): Record<string, unknown> {
  const out: Record<string, unknown> = { ...form.kept };
  for (const field of form.fields) {
    const value = form.group.controls[field.key]?.value;
    if (blank(value)) continue;
    if (field.type === 'number' || field.type === 'integer') out[field.key] = typeof value === 'number' ? value : Number(value);
    else out[field.key] = value;
  }
  return out;
}
