import { ChangeDetectionStrategy, Component, effect, inject, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import type { Host } from '../../core/protocol';
import { IconComponent } from '../../shared/ui/icon.component';
import { DEVICE_TYPE_LABELS, deviceAgentLabel } from './devices';

/**
 * On a host's page (docs/console.md, "Devices"): for a device, its type, address and "via collector
 * X" (or "Collector unreachable": the device keeps its last state, it is not shown as down); for a
 * collector, the devices it checks. Nothing for an agent host that collects for no device.
 */
@Component({
  selector: 'p-device-panel',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink, IconComponent],
  template: `
    @if (host(); as h) {
      @if (h.kind === 'device') {
        <p class="device" data-device-info [class.bad]="h.collector?.unreachable">
          <p-icon name="device" />
          <span>{{ typeLabel(h) }} at <code>{{ h.address }}</code></span>
          <span class="collector" [attr.data-collector-state]="h.collector?.unreachable ? 'unreachable' : 'ok'">
            @if (h.collector; as c) {
              {{ c.unreachable ? 'Collector unreachable:' : 'via collector' }}
              <a [routerLink]="['/hosts', c.id, 'detail']">{{ c.name }}</a>
              @if (c.unreachable) {
                <span class="p-muted">— the device keeps its last state</span>
              }
            } @else {
              {{ agentLabel(h) }}
            }
          </span>
        </p>
      } @else if (devices().length) {
        <div class="devices" data-collector-devices>
          <h2>Devices collected by this host</h2>
          <ul>
            @for (d of devices(); track d.id) {
              <li>
                <p-icon name="device" />
                <a [routerLink]="['/hosts', d.id, 'detail']">{{ d.name }}</a>
                <span class="p-muted">{{ typeLabel(d) }} · {{ d.address }}{{ d.collector?.via === 'group' ? ' · through its group' : '' }}</span>
              </li>
            }
          </ul>
        </div>
      }
    }
    @if (error(); as e) {
      <p class="p-error-banner" role="alert">{{ e }}</p>
    }
  `,
  styles: `
    .device { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin: 0 0 16px; }
    .device.bad .collector { color: var(--p-bad, var(--mat-sys-error)); }
    .devices h2 { font: var(--mat-sys-title-medium); margin: 8px 0; }
    .devices ul { list-style: none; padding: 0; margin: 0 0 16px; display: grid; gap: 4px; }
    .devices li { display: flex; align-items: center; gap: 8px; }
  `,
})
export class DevicePanelComponent {
  private readonly api = inject(ApiService);
  /** The host as the page has it (the host report's `host`). */
  readonly hostIn = input.required<Host>({ alias: 'host' });
  protected readonly host = signal<Host | undefined>(undefined);
  protected readonly devices = signal<readonly Host[]>([]);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly agentLabel = deviceAgentLabel;
  protected readonly typeLabel = (h: Host) => DEVICE_TYPE_LABELS[h.deviceType ?? 'other'];

  constructor() {
    effect(() => {
      void this.load(this.hostIn());
    });
  }

  /** One request: a device's collector (with its reachability), or a collector's devices. */
  private async load(given: Host): Promise<void> {
    try {
      if (given.kind === 'device') {
        this.host.set(await this.api.get<Host>(`hosts/${given.id}`));
        this.devices.set([]);
      } else {
        this.host.set(given);
        this.devices.set(await this.api.get<Host[]>(`hosts/${given.id}/devices`));
      }
    } catch (err) {
      this.error.set(`Devices could not be read: ${toApiError(err).message}`);
    }
  }
}
