import { createSchemaForm, schemaFormValue } from '../../shared/ui/schema-form';

/** A check's secret parameters in the generated parameters form (docs/devices.md, "Credentials"). */
describe('secret parameters in the check form', () => {
  const schema = { type: 'object', properties: { community: { type: 'string', format: 'secret', minLength: 1 }, oid: { type: 'string' } } };

  it('shows a stored secret as an empty password field and sends { set: true } back, so the core keeps it', () => {
    const form = createSchemaForm(schema, { community: { set: true }, oid: '1.3.6' });
    expect(form.fields.find((f) => f.key === 'community')!.secret).toBe(true);
    expect(form.group.controls['community']!.value).toBe('');
    expect(form.group.valid).toBe(true);
    expect(schemaFormValue(form)).toEqual({ community: { set: true }, oid: '1.3.6' });
  });

  it('sends a newly typed secret instead', () => {
    const form = createSchemaForm(schema, { community: { set: true } });
    form.group.controls['community']!.setValue('n3w');
    expect(schemaFormValue(form)).toEqual({ community: 'n3w' });
    const fresh = createSchemaForm(schema, {});
    fresh.group.controls['community']!.setValue('first');
    expect(schemaFormValue(fresh)).toEqual({ community: 'first' });
  });
});
