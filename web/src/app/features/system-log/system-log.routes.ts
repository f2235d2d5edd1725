import { DatePipe } from '@angular/common';
import type { Routes } from '@angular/router';
import type { LogEntry } from '../../core/protocol';
import { listRoute } from '../../shared/ui/list-route';

const date = new DatePipe('en-US');

export default [
  listRoute<LogEntry>({
    title: 'System log',
    resource: 'logs',
    noun: 'entry',
    help: 'What the core reported: classifier errors, refused connections, failed alerts. Newest first.',
    columns: [
      { key: 'time', label: 'Time', value: (e) => date.transform(e.time, 'yyyy-MM-dd HH:mm:ss') },
      { key: 'level', label: 'Level' },
      { key: 'component', label: 'Component' },
      { key: 'message', label: 'Message' },
    ],
  }),
] satisfies Routes;
