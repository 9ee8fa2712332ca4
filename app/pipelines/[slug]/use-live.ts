'use client';
// Whether the page is live: false on the server and while the page it rendered is being hydrated, true after (and
// at once on a page the client renders itself). What differs between the two (the visitor's clock and locale, the
// controls that change things) waits for it.
import { useSyncExternalStore } from 'react';

const noChange = () => () => {};

export function useLive(): boolean {
  return useSyncExternalStore(
    noChange,
    () => true,
    () => false,
  );
}
