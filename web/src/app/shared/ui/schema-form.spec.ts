import { Component, signal } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { provideNoopAnimations } from '@angular/platform-browser/animations';
import { createSchemaForm, keyLabel, parseSchema, schemaFieldMessage, schemaFormValue, type SchemaForm } from './schema-form';
import { SchemaFormComponent } from './schema-form.component';

/** A plugin manifest's `parameters`, as a disk-usage plugin might declare them. */
const PARAMETERS = {
  type: 'object',
  required: ['mount', 'threshold'],
  properties: {
    mount: { type: 'string', title: 'Mount point', description: 'Filesystem to measure.', default: '/', minLength: 1, maxLength: 255, pattern: '^/' },
    threshold: { type: 'integer', title: 'Warn at', description: 'Percent used that counts as full.', minimum: 1, maximum: 100, default: 90 },
    ratio: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
    inodes: { type: 'boolean', description: 'Also measure inodes.', default: false },
    unit: { type: 'string', enum: ['percent', 'bytes'], default: 'percent' },
    mode: { oneOf: [{ const: 1, title: 'Fast' }, { const: 2, title: 'Thorough' }] },
    note: { type: ['string', 'null'] },
    exclude: { type: 'array', items: { type: 'string' } },
  },
} as const;

describe('schema form generation', () => {
  it('reads one field per supported property with labels, defaults, limits and required marks', () => {
    const { fields, unsupported } = parseSchema(PARAMETERS);
    expect(fields.map((f) => [f.key, f.type, f.required])).toEqual([
      ['mount', 'string', true],
      ['threshold', 'integer', true],
      ['ratio', 'number', false],
      ['inodes', 'boolean', false],
      ['unit', 'enum', false],
      ['mode', 'enum', false],
      ['note', 'string', false],
    ]);
    expect(unsupported).toEqual(['exclude']);
    const threshold = fields[1];
    expect(threshold).toMatchObject({ label: 'Warn at', description: 'Percent used that counts as full.', minimum: 1, maximum: 100, default: 90 });
    expect(fields[4]?.choices?.map((c) => c.value)).toEqual(['percent', 'bytes']);
    expect(fields[5]?.choices).toEqual([
      { value: 1, label: 'Fast' },
      { value: 2, label: 'Thorough' },
    ]);
  });

  it('yields no fields for something that is not an object schema', () => {
    expect(parseSchema(undefined)).toEqual({ fields: [], unsupported: [] });
    expect(parseSchema({ type: 'string' })).toEqual({ fields: [], unsupported: [] });
    expect(parseSchema('nonsense').fields).toEqual([]);
  });

  it('starts from the defaults, or from given values, and keeps what it cannot edit', () => {
    const fresh = createSchemaForm(PARAMETERS);
    expect(fresh.group.getRawValue()).toMatchObject({ mount: '/', threshold: 90, inodes: false, unit: 'percent', ratio: null });
    const edited = createSchemaForm(PARAMETERS, { threshold: 75, exclude: ['/boot'], legacy: 1 });
    expect(edited.group.controls['threshold']?.value).toBe(75);
    expect(edited.kept).toEqual({ exclude: ['/boot'], legacy: 1 });
    expect(schemaFormValue(edited)).toEqual({ mount: '/', threshold: 75, inodes: false, unit: 'percent', exclude: ['/boot'], legacy: 1 });
  });
});

describe('schema form validation', () => {
  const control = (form: SchemaForm, key: string) => {
    const c = form.group.controls[key];
    if (!c) throw new Error(`no control ${key}`);
    return c;
  };

  it('requires required fields and enforces minimum, maximum and whole numbers', () => {
    const form = createSchemaForm(PARAMETERS);
    expect(form.group.valid).toBe(true);
    const threshold = control(form, 'threshold');
    threshold.setValue(null);
    expect(schemaFieldMessage(threshold)).toBe('Required.');
    threshold.setValue(0);
    expect(schemaFieldMessage(threshold)).toBe('At least 1.');
    threshold.setValue(101);
    expect(schemaFieldMessage(threshold)).toBe('At most 100.');
    threshold.setValue(50.5);
    expect(schemaFieldMessage(threshold)).toBe('Must be a whole number.');
    threshold.setValue(50);
    expect(threshold.valid).toBe(true);
  });

  it('enforces exclusive bounds, string length and an unanchored pattern', () => {
    const form = createSchemaForm(PARAMETERS);
    const ratio = control(form, 'ratio');
    ratio.setValue(0);
    expect(schemaFieldMessage(ratio)).toBe('Must be more than 0.');
    ratio.setValue(1);
    expect(schemaFieldMessage(ratio)).toBe('Must be less than 1.');
    ratio.setValue(0.5);
    expect(ratio.valid).toBe(true);
    const mount = control(form, 'mount');
    mount.setValue('var');
    expect(schemaFieldMessage(mount)).toBe('Not in the expected format.');
    mount.setValue('/var/lib');
    expect(mount.valid).toBe(true);
    mount.setValue('/' + 'x'.repeat(255));
    expect(schemaFieldMessage(mount)).toBe('At most 255 characters.');
  });

  it('leaves empty optional fields out of the value so the plugin default applies', () => {
    const form = createSchemaForm({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'number' }, c: { type: 'boolean' } } });
    expect(schemaFormValue(form)).toEqual({ c: false });
    control(form, 'b').setValue(2.5);
    control(form, 'a').setValue('x');
    expect(schemaFormValue(form)).toEqual({ a: 'x', b: 2.5, c: false });
  });
});

describe('labels without a title (issue 21)', () => {
  it('words a property name instead of showing the raw key', () => {
    expect(keyLabel('sampleMs')).toBe('Sample (ms)');
    expect(keyLabel('minorAbove')).toBe('Minor above');
    expect(keyLabel('recentRebootSeconds')).toBe('Recent reboot (s)');
    expect(keyLabel('verifyTls')).toBe('Verify TLS');
    expect(keyLabel('url')).toBe('URL');
    expect(keyLabel('max_count')).toBe('Max count');
    expect(keyLabel('ms')).toBe('Ms');
  });

  it('labels the CPU load manifest\'s parameters in words, with their descriptions as help, and a title still wins', async () => {
    const cpu = {
      type: 'object',
      properties: {
        sampleMs: { type: 'integer', minimum: 10, maximum: 5000, default: 1000, description: 'Milliseconds between the two readings of /proc/stat.' },
        minorAbove: { type: 'number', minimum: 0, maximum: 100, default: 75, description: 'The classifier reports minor above this percentage.' },
        majorAbove: { type: 'number', title: 'Major when above (%)', default: 90 },
      },
    };
    @Component({ imports: [SchemaFormComponent], template: `<p-schema-form [form]="form" />` })
    class CpuHost {
      readonly form = createSchemaForm(cpu);
    }
    TestBed.configureTestingModule({ providers: [provideNoopAnimations()] });
    const fixture = TestBed.createComponent(CpuHost);
    fixture.detectChanges();
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    expect([...el.querySelectorAll('mat-label')].map((l) => l.textContent?.trim())).toEqual(['Sample (ms)', 'Minor above', 'Major when above (%)']);
    expect(el.textContent).not.toContain('sampleMs');
    expect(el.textContent).toContain('Milliseconds between the two readings of /proc/stat.');
  });
});

describe('SchemaFormComponent', () => {
  @Component({ imports: [SchemaFormComponent], template: `<p-schema-form [form]="form()" />` })
  class HostComponent {
    readonly form = signal(createSchemaForm(PARAMETERS));
  }

  it('renders a field per property with help text, required marks and the limits', async () => {
    TestBed.configureTestingModule({ providers: [provideNoopAnimations()] });
    const fixture = TestBed.createComponent(HostComponent);
    fixture.detectChanges();
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const labels = [...el.querySelectorAll('mat-label')].map((l) => l.textContent?.trim());
    expect(labels).toEqual(['Mount point', 'Warn at', 'Ratio', 'Unit', 'Mode', 'Note']);
    expect(el.querySelector('mat-slide-toggle')?.textContent).toContain('Inodes');
    // Help on every field: a hint per form field, a line under the toggle.
    expect(el.querySelectorAll('mat-hint').length).toBe(el.querySelectorAll('mat-form-field').length);
    expect(el.textContent).toContain('Percent used that counts as full. (1 to 100; default 90)');
    expect(el.textContent).toContain('Also measure inodes.');
    const threshold = el.querySelector<HTMLInputElement>('input[type="number"]');
    expect(threshold?.required).toBe(true);
    expect(threshold?.getAttribute('min')).toBe('1');
    expect(threshold?.getAttribute('max')).toBe('100');
    expect(el.textContent).toContain('kept as they are: exclude');

    // Typing into a number field yields a number, which the value keeps as a number.
    if (!threshold) throw new Error('no number input');
    threshold.value = '42';
    threshold.dispatchEvent(new Event('input'));
    expect(schemaFormValue(fixture.componentInstance.form())['threshold']).toBe(42);
  });
});
