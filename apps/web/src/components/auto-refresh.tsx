'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';

/** Re-renders the server page every few seconds while switched on. */
export function AutoRefresh({ seconds = 5, initiallyOn = true }: { seconds?: number; initiallyOn?: boolean }) {
  const router = useRouter();
  const [on, setOn] = useState(initiallyOn);
  useEffect(() => {
    if (!on) return;
    const timer = setInterval(() => router.refresh(), seconds * 1000);
    return () => clearInterval(timer);
  }, [on, seconds, router]);
  return (
    <label className="inline-check">
      <input
        type="checkbox"
        checked={on}
        onChange={(event) => setOn(event.target.checked)}
        data-testid="auto-refresh"
      />
      Refresh every {seconds} s
    </label>
  );
}
