import { inject } from '@angular/core';
import { Router, type CanMatchFn } from '@angular/router';
import { AuthService } from './auth.service';

/** Lets a route match only with a session; otherwise sends the user to sign in and back. */
export const authGuard: CanMatchFn = async (_route, segments) => {
  const auth = inject(AuthService);
  const router = inject(Router);
  const user = await auth.ensureLoaded().catch(() => null);
  if (user) return true;
  const next = '/' + segments.map((s) => s.path).join('/');
  return router.createUrlTree(['/login'], next === '/' ? {} : { queryParams: { next } });
};

/** The sign-in and setup pages are for people without a session. */
export const guestGuard: CanMatchFn = async () => {
  const auth = inject(AuthService);
  const user = await auth.ensureLoaded().catch(() => null);
  return user ? inject(Router).createUrlTree(['/']) : true;
};
