import { HttpErrorResponse, type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { tap } from 'rxjs';
import { AuthService } from './auth.service';

/**
 * A 401 from any call other than the sign-in ones means the session is gone: forget the
 * user and go to the sign-in page, remembering where the user was.
 */
export const sessionInterceptor: HttpInterceptorFn = (req, next) => {
  const auth = inject(AuthService);
  const router = inject(Router);
  return next(req).pipe(
    tap({
      error: (err: unknown) => {
        if (!(err instanceof HttpErrorResponse) || err.status !== 401) return;
        if (/\/api\/(auth\/|setup)/.test(req.url)) return;
        if (!auth.user()) return;
        auth.sessionEnded();
        void router.navigate(['/login'], { queryParams: { next: router.url } });
      },
    }),
  );
};
