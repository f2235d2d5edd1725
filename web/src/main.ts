import { bootstrapApplication } from '@angular/platform-browser';
import { AppComponent } from './app/app.component';
import { appConfig } from './app/app.config';

bootstrapApplication(AppComponent, appConfig).catch((err: unknown) => {
  // The only place the console may print: nothing else can report a failed bootstrap.
  // eslint-disable-next-line no-console
  console.error(err);
});
