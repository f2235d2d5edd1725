import type { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { answerAll, setUpPage } from '../../shared/ui/page-testing';
import type { ScheduleForm } from './schedule-form';
import { ScheduleFormComponent } from './schedule-form.component';

describe('schedule form (issue 21)', () => {
  let http: HttpTestingController;
  beforeEach(() => (http = setUpPage('admin')));
  afterEach(() => http.verify());

  it('offers seconds and says when the first run of a new schedule happens', async () => {
    const fixture = TestBed.createComponent(ScheduleFormComponent);
    fixture.detectChanges();
    await answerAll(http, fixture, { checks: [] });
    const el = fixture.nativeElement as HTMLElement;
    const first = el.querySelector('.first-run')?.textContent ?? '';
    // The default interval: every 5 minutes from the current whole hour, so within 5 minutes.
    expect(first).toMatch(/^Once saved, the first run is at .+ \(in (\d+ min( \d+ s)?|\d+ s)\)\.$/);
    expect(first).not.toMatch(/\d+ h/);
    const form = (fixture.componentInstance as unknown as { form: ScheduleForm }).form;
    const row = form.controls.intervals.at(0);
    row.controls.unit.setValue('seconds');
    row.controls.every.setValue(30);
    fixture.detectChanges();
    expect(el.querySelector('.first-run')?.textContent).toMatch(/\(in (\d+ s)\)|now/);
    expect(form.getRawValue().intervals[0]).toMatchObject({ every: 30, unit: 'seconds' });
  });
});
