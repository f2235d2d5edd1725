import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { MatCardModule } from '@angular/material/card';
import { RouterLink } from '@angular/router';
import type { CurrentProblem } from '../../core/protocol';
import { ProblemMarksComponent } from '../../shared/ui/problem-marks.component';
import { SeverityBadgeComponent } from '../../shared/ui/severity-badge.component';
import { problemLink, problemSubject } from './dashboard';

/**
 * "Problems now" (`GET /api/reports/problems`): every plugin, unreachable agent and service in a
 * problem state, worst first, with since when and its marks (acknowledged, in maintenance,
 * flapping); each links to its host or service, the title to the Problems page.
 */
@Component({
  selector: 'p-problems-now',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, MatCardModule, RouterLink, ProblemMarksComponent, SeverityBadgeComponent],
  template: `
    <mat-card appearance="outlined">
      <mat-card-header>
        <mat-card-title><a routerLink="/problems" class="title-link">Problems now</a></mat-card-title>
        @if (total() > 0) {
          <mat-card-subtitle>{{ total() === 1 ? '1 problem' : total() + ' problems' }}, worst first</mat-card-subtitle>
        }
      </mat-card-header>
      <mat-card-content>
        @if (problems().length === 0) {
          <p class="p-muted none">{{ loaded() ? 'No problems: everything is OK.' : 'Loading…' }}</p>
        } @else {
          <ul class="plain">
            @for (p of problems(); track p.problem) {
              <li [attr.data-problem]="p.problem">
                <p-severity-badge [severity]="p.severity" />
                <span class="subject">
                  @if (link(p); as l) {
                    <a [routerLink]="l">{{ subject(p) }}</a>
                  } @else {
                    {{ subject(p) }}
                  }
                  <p-problem-marks [acknowledged]="p.acknowledged" [maintenance]="p.maintenance" [flapping]="p.flapping" [causedBy]="p.causedBy" />
                </span>
                @if (p.since !== null) {
                  <time class="p-muted since" [attr.datetime]="p.since | date: 'yyyy-MM-ddTHH:mm:ss'">since {{ p.since | date: 'd MMM, HH:mm' }}</time>
                }
              </li>
            }
          </ul>
          @if (total() > problems().length) {
            <a routerLink="/problems" class="more">All {{ total() }} on Problems</a>
          }
        }
      </mat-card-content>
    </mat-card>
  `,
  styleUrl: './panel.scss',
})
export class ProblemsNowComponent {
  readonly problems = input.required<readonly CurrentProblem[]>();
  /** How many there are in all (the list may be cut). */
  readonly total = input(0);
  readonly loaded = input(false);

  protected subject = problemSubject;
  protected link = problemLink;
}
