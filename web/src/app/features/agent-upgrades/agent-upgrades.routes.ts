import type { Routes } from '@angular/router';
import { AgentUpgradesComponent } from './agent-upgrades.component';

export default [{ path: '', title: 'Agent upgrades · Prophasis', component: AgentUpgradesComponent }] satisfies Routes;
