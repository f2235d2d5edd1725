import { ChangeDetectionStrategy, Component, computed, inject, signal, type OnInit } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule, Validators, type AbstractControl, type ValidationErrors } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { Router, RouterLink } from '@angular/router';
import { toApiError } from '../../core/api-error';
import { ApiService } from '../../core/api.service';
import { DEVICE_TYPES, type Check, type DeviceType, type Host, type Plugin, type Schedule } from '../../core/protocol';
import { applyApiError, fieldMessage } from '../../shared/ui/form-errors';
import { loadAll } from '../../shared/ui/load-all';
import { collectorChoices, defaultChecksFor, DEVICE_TYPE_LABELS, deviceParams, isDeviceAddress, needsInterface, type SnmpCredentials } from './devices';

const address = (c: AbstractControl<string>): ValidationErrors | null => (c.value && !isDeviceAddress(c.value) ? { address: true } : null);

/**
 * Add a device (`/devices/new`, docs/devices.md): a printer, switch, UPS … that has no agent and
 * that an enrolled agent host — its collector — checks. The type brings its default checks (those
 * whose plugins this core has; the others are named), created with the device and run every minute;
 * SNMP credentials are entered once here and stored encrypted, never shown back.
 */
@Component({
  selector: 'p-device-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ReactiveFormsModule, RouterLink, MatButtonModule, MatFormFieldModule, MatInputModule, MatSelectModule],
  template: `
    <section class="p-page">
      <h1 class="p-page-title">Add device</h1>
      <p class="p-muted help">
        A device has no agent of its own: one of your enrolled hosts, its <em>collector</em>, pings it and queries it over SNMP. Its results, graphs and
        alerts are the device's, as for any host.
      </p>
      <form class="p-form" [formGroup]="form" (ngSubmit)="save()" novalidate>
        <mat-form-field>
          <mat-label>Name</mat-label>
          <input matInput formControlName="name" required autocomplete="off" />
          <mat-error>{{ message(form.controls.name) }}</mat-error>
        </mat-form-field>
        <mat-form-field>
          <mat-label>Address</mat-label>
          <input matInput formControlName="address" required autocomplete="off" placeholder="192.0.2.10 or printer.example.net" />
          <mat-hint>IP address or DNS name, as the collector reaches it.</mat-hint>
          <mat-error>{{ form.controls.address.errors?.['address'] ? 'Not an IP address or DNS name.' : message(form.controls.address) }}</mat-error>
        </mat-form-field>
        <mat-form-field>
          <mat-label>Device type</mat-label>
          <mat-select formControlName="deviceType">
            @for (t of types; track t) {
              <mat-option [value]="t">{{ typeLabels[t] }}</mat-option>
            }
          </mat-select>
          <mat-error>{{ message(form.controls.deviceType) }}</mat-error>
        </mat-form-field>
        <mat-form-field>
          <mat-label>Collector</mat-label>
          <mat-select formControlName="collectorId" required>
            @for (h of collectors(); track h.id) {
              <mat-option [value]="h.id">{{ h.name }}</mat-option>
            }
          </mat-select>
          <mat-hint>The enrolled host that checks this device.</mat-hint>
          <mat-error>{{ message(form.controls.collectorId) }}</mat-error>
        </mat-form-field>
        @if (loaded() && collectors().length === 0) {
          <p class="p-error-banner" role="alert">No enrolled host can collect yet: add a host and enrol its agent first.</p>
        }

        <fieldset class="snmp" [formGroup]="form.controls.snmp">
          <legend>SNMP credentials</legend>
          <p class="p-muted">Entered once for this device; stored encrypted and never shown again.</p>
          <mat-form-field>
            <mat-label>SNMP version</mat-label>
            <mat-select formControlName="version">
              <mat-option value="2c">v2c (community)</mat-option>
              <mat-option value="3">v3 (user, authPriv)</mat-option>
            </mat-select>
          </mat-form-field>
          @if (form.controls.snmp.controls.version.value === '2c') {
            <mat-form-field>
              <mat-label>Community</mat-label>
              <input matInput type="password" formControlName="community" autocomplete="off" />
            </mat-form-field>
          } @else {
            <mat-form-field>
              <mat-label>User</mat-label>
              <input matInput formControlName="v3User" autocomplete="off" />
            </mat-form-field>
            <mat-form-field>
              <mat-label>Authentication</mat-label>
              <mat-select formControlName="v3AuthProtocol">
                @for (p of authProtocols; track p) {
                  <mat-option [value]="p">{{ p.toUpperCase() }}</mat-option>
                }
              </mat-select>
            </mat-form-field>
            <mat-form-field>
              <mat-label>Authentication key</mat-label>
              <input matInput type="password" formControlName="v3AuthKey" autocomplete="off" />
            </mat-form-field>
            <mat-form-field>
              <mat-label>Privacy</mat-label>
              <mat-select formControlName="v3PrivProtocol">
                @for (p of privProtocols; track p) {
                  <mat-option [value]="p">{{ p.toUpperCase() }}</mat-option>
                }
              </mat-select>
            </mat-form-field>
            <mat-form-field>
              <mat-label>Privacy key</mat-label>
              <input matInput type="password" formControlName="v3PrivKey" autocomplete="off" />
            </mat-form-field>
          }
        </fieldset>

        @if (needsInterface(type())) {
          <mat-form-field>
            <mat-label>Interface to graph</mat-label>
            <input matInput formControlName="iface" autocomplete="off" />
            <mat-hint>Its number (IF-MIB ifIndex) or name, e.g. 1 or Gi1/0/24: the uplink is a good choice.</mat-hint>
            <mat-error>Say which interface the traffic graph shows.</mat-error>
          </mat-form-field>
        }

        <div class="defaults" data-defaults>
          <h2>Checks</h2>
          @if (defaults().plugins.length) {
            <p>Created with the device, every minute: {{ defaults().plugins.join(', ') }}.</p>
          } @else {
            <p class="p-muted">No default check: none of this type's plugins is installed in this core.</p>
          }
          @if (defaults().missing.length) {
            <p class="p-muted missing">Not installed in this core, left out: {{ defaults().missing.join(', ') }}.</p>
          }
        </div>

        @if (error(); as e) {
          <p class="p-error-banner" role="alert">{{ e }}</p>
        }
        <div class="actions">
          <button mat-flat-button type="submit" [disabled]="saving()">Add device</button>
          <a mat-button routerLink="/hosts">Cancel</a>
        </div>
      </form>
    </section>
  `,
  styles: `
    .help { max-width: 720px; }
    .snmp { border: 1px solid var(--mat-sys-outline-variant); border-radius: 8px; padding: 8px 16px; margin: 8px 0 16px; display: grid; gap: 4px; }
    .defaults h2 { font: var(--mat-sys-title-medium); margin: 8px 0; }
    .actions { display: flex; gap: 8px; margin-top: 16px; }
  `,
})
export class DeviceFormComponent implements OnInit {
  private readonly api = inject(ApiService);
  private readonly router = inject(Router);

  protected readonly types = DEVICE_TYPES;
  protected readonly typeLabels = DEVICE_TYPE_LABELS;
  protected readonly authProtocols = ['sha', 'sha256', 'sha512', 'md5'];
  protected readonly privProtocols = ['aes', 'aes256b', 'aes256r', 'des'];
  protected readonly message = fieldMessage;
  protected readonly needsInterface = needsInterface;

  protected readonly form = new FormGroup({
    name: new FormControl('', { nonNullable: true, validators: [Validators.required, Validators.maxLength(255)] }),
    address: new FormControl('', { nonNullable: true, validators: [Validators.required, address] }),
    deviceType: new FormControl<DeviceType>('printer', { nonNullable: true }),
    collectorId: new FormControl<number | null>(null, { validators: [Validators.required] }),
    /** The interface the switch's or router's traffic check graphs (number or name); required for those types. */
    iface: new FormControl('1', { nonNullable: true }),
    snmp: new FormGroup({
      version: new FormControl<'2c' | '3'>('2c', { nonNullable: true }),
      community: new FormControl('', { nonNullable: true }),
      v3User: new FormControl('', { nonNullable: true }),
      v3AuthProtocol: new FormControl('sha', { nonNullable: true }),
      v3AuthKey: new FormControl('', { nonNullable: true }),
      v3PrivProtocol: new FormControl('aes', { nonNullable: true }),
      v3PrivKey: new FormControl('', { nonNullable: true }),
    }),
  });

  private readonly hosts = signal<readonly Host[]>([]);
  private readonly installed = signal<ReadonlySet<string>>(new Set());
  protected readonly loaded = signal(false);
  protected readonly saving = signal(false);
  protected readonly error = signal<string | undefined>(undefined);
  protected readonly collectors = computed(() => collectorChoices(this.hosts()));
  protected readonly type = toSignal(this.form.controls.deviceType.valueChanges, { initialValue: this.form.controls.deviceType.value });
  protected readonly defaults = computed(() => defaultChecksFor(this.type(), this.installed()));

  async ngOnInit(): Promise<void> {
    try {
      const [hosts, plugins] = await Promise.all([loadAll<Host>(this.api, 'hosts'), loadAll<Plugin>(this.api, 'plugins')]);
      this.hosts.set(hosts);
      this.installed.set(new Set(plugins.filter((p) => p.version !== null).map((p) => p.pluginId)));
      const only = collectorChoices(hosts);
      if (only.length === 1) this.form.controls.collectorId.setValue(only[0]!.id);
    } catch (err) {
      this.error.set(`Hosts and plugins could not be read: ${toApiError(err).message}`);
    } finally {
      this.loaded.set(true);
    }
  }

  /** Creates the device, then its check with the type's plugins and a schedule running it every minute. */
  protected async save(): Promise<void> {
    this.form.markAllAsTouched();
    const iface = this.form.controls.iface;
    if (needsInterface(this.form.controls.deviceType.value) && iface.value.trim() === '') iface.setErrors({ required: true });
    if (this.form.invalid || this.saving()) return;
    this.saving.set(true);
    this.error.set(undefined);
    const v = this.form.getRawValue();
    let device: Host;
    try {
      device = await this.api.post<Host>('hosts', { name: v.name.trim(), kind: 'device', address: v.address.trim(), deviceType: v.deviceType, collectorId: v.collectorId });
    } catch (err) {
      this.error.set(applyApiError(this.form, err));
      this.saving.set(false);
      return;
    }
    try {
      const plugins = this.defaults().plugins;
      if (plugins.length) {
        const snmp = v.snmp as SnmpCredentials;
        const check = await this.api.post<Check>('checks', {
          name: `${device.name} (${DEVICE_TYPE_LABELS[v.deviceType].toLowerCase()})`,
          description: `Default checks of the device ${device.name}`,
          hostIds: [device.id],
          groupIds: [],
          plugins: plugins.map((pluginId) => ({ pluginId, params: deviceParams(pluginId, snmp, v.iface) })),
        });
        await this.api.post<Schedule>('schedules', { name: `${device.name} every minute`, enabled: true, checkIds: [check.id], intervals: [{ start: 0, everyMs: 60_000 }] });
      }
      await this.router.navigate(['/hosts', device.id, 'detail']);
    } catch (err) {
      this.error.set(`The device was added, but its checks were not: ${toApiError(err).message}`);
    } finally {
      this.saving.set(false);
    }
  }
}
