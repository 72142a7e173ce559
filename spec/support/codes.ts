import { type Observable, catchError, of } from 'rxjs';

/** Turns a stream's error into a final `error:CODE` value, so marbles can assert on codes. */
export const errorCode = <T>(source: Observable<T>): Observable<T | string> =>
  source.pipe(catchError((error: unknown) => of(`error:${(error as { code?: string }).code ?? 'none'}`)));
