import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, input, output } from '@angular/core';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCardModule } from '@angular/material/card';
import { RouterLink } from '@angular/router';
import type { ProblemsOverTime } from '../../core/protocol';
import { ChartComponent, type ChartZoom } from '../../shared/ui/chart.component';
import { OVER_TIME_RANGES, overTimePeak, overTimeSeries, type OverTimeChoice } from './dashboard';

/**
 * "Problems over time" (`GET /api/reports/problems-over-time`): problems per severity, stacked,
 * for the last hour, day, week or 30 days; dragging across the chart zooms into a span
 * (`choiceChange` with a custom range), **Reset zoom** goes back (`resetZoom`).
 */
@Component({
  selector: 'p-problems-over-time',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ChartComponent, DatePipe, MatButtonToggleModule, MatCardModule, RouterLink],
  template: `
    <mat-card appearance="outlined">
      <mat-card-header>
        <mat-card-title><a routerLink="/problems" class="title-link">Problems over time</a></mat-card-title>
        @if (data(); as d) {
          <mat-card-subtitle>
            {{ d.from | date: 'd MMM, HH:mm' }} – {{ d.to | date: 'd MMM, HH:mm' }} ·
            {{ peak() > 0 ? 'at most ' + peak() + ' at once' : 'no problems' }}. Drag across the chart to zoom in.
          </mat-card-subtitle>
        }
      </mat-card-header>
      <mat-card-content>
        <mat-button-toggle-group class="presets" aria-label="Range of problems over time" hideSingleSelectionIndicator [value]="choice().preset" (change)="pick($event.value)">
          @for (r of ranges; track r.preset) {
            <mat-button-toggle [value]="r.preset">{{ r.label }}</mat-button-toggle>
          }
        </mat-button-toggle-group>
        @if (data(); as d) {
          <p-chart
            class="chart"
            [series]="series()"
            [stacked]="true"
            [from]="d.from"
            [to]="d.to"
            [height]="height()"
            [zoomable]="true"
            [zoomed]="zoomed()"
            (zoom)="zoom($event)"
            (resetZoom)="resetZoom.emit()"
          />
        } @else {
          <p class="p-muted">{{ error() ?? 'Loading…' }}</p>
        }
      </mat-card-content>
    </mat-card>
  `,
  styleUrl: './panel.scss',
  styles: `
    .presets { margin-bottom: 12px; flex-wrap: wrap; max-width: 100%; }
    .chart { margin-top: 4px; }
  `,
})
export class ProblemsOverTimeComponent {
  readonly data = input<ProblemsOverTime | undefined>(undefined);
  readonly choice = input.required<OverTimeChoice>();
  /** The range shown is a zoom: the chart offers **Reset zoom**. */
  readonly zoomed = input(false);
  readonly height = input(220);
  /** Why there is no chart (the core refused or is unreachable). */
  readonly error = input<string | undefined>(undefined);
  readonly choiceChange = output<OverTimeChoice>();
  readonly resetZoom = output<void>();

  protected readonly ranges = OVER_TIME_RANGES;
  protected readonly series = computed(() => {
    const d = this.data();
    return d ? overTimeSeries(d) : [];
  });
  protected readonly peak = computed(() => {
    const d = this.data();
    return d ? overTimePeak(d) : 0;
  });

  protected pick(preset: OverTimeChoice['preset']): void {
    if (preset !== 'custom') this.choiceChange.emit({ preset });
  }

  protected zoom(span: ChartZoom): void {
    this.choiceChange.emit({ preset: 'custom', from: span.from, to: span.to });
  }
}
