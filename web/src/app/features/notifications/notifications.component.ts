import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, effect, inject, signal, untracked } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatPaginatorModule, type PageEvent } from '@angular/material/paginator';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { RouterLink } from '@angular/router';
import { ApiService } from '../../core/api.service';
import type { AlertDelivery, PageOf } from '../../core/protocol';
import { PagedLoader } from '../../shared/ui/paged-loader';

/** Why a notification was sent, in words (docs/alerts.md, "Why a notification was sent"). */
const REASON_LABELS: Readonly<Record<string, string>> = {
  transition: 'State changed',
  repeat: 'Repeat',
  escalation: 'Escalation',
  'maintenance-ended': 'After maintenance',
  'dependency-ended': 'After parent recovered',
  'flapping-started': 'Started flapping',
  'flapping-stopped': 'Stopped flapping',
  unreachable: 'Unreachable',
};

const STATUS_LABELS: Readonly<Record<AlertDelivery['status'], string>> = { pending: 'Pending', delivered: 'Delivered', failed: 'Failed' };

/** The query of `GET /api/alert-deliveries`; an empty status is left out. */
export function deliveryQuery(status: string, pageIndex: number, pageSize: number): Record<string, string | number | undefined> {
  return { status: status || undefined, limit: pageSize, offset: pageIndex * pageSize };
}

/**
 * The notification history (`/notifications`): every notification alerting sent or is still
 * trying to send, newest first: alert, recipients, why, status, attempts, last error and the text
 * that was sent.
 */
@Component({
  selector: 'p-notifications',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, MatButtonModule, MatFormFieldModule, MatPaginatorModule, MatProgressBarModule, MatSelectModule, RouterLink],
  templateUrl: './notifications.component.html',
})
export class NotificationsComponent {
  private readonly api = inject(ApiService);
  protected readonly reasons = REASON_LABELS;
  protected readonly statuses = STATUS_LABELS;
  protected readonly status = signal('');
  protected readonly pageIndex = signal(0);
  protected readonly pageSize = signal(50);
  private readonly list = new PagedLoader<AlertDelivery, Record<string, string | number | undefined>>((query) => this.api.get<PageOf<AlertDelivery>>('alert-deliveries', query));
  protected readonly items = this.list.items;
  protected readonly total = this.list.total;
  protected readonly loading = this.list.loading;
  protected readonly error = this.list.error;

  constructor() {
    effect(() => {
      const query = deliveryQuery(this.status(), this.pageIndex(), this.pageSize());
      untracked(() => void this.list.load(query));
    });
  }

  protected setStatus(value: string): void {
    this.pageIndex.set(0);
    this.status.set(value);
  }

  protected onPage(event: PageEvent): void {
    this.pageSize.set(event.pageSize);
    this.pageIndex.set(event.pageIndex);
  }

  protected refresh(): void {
    void this.list.load(deliveryQuery(this.status(), this.pageIndex(), this.pageSize()));
  }
}
