'use client';

import { useState } from 'react';

/** A sample served by the API through the web proxy; shows a labelled placeholder when it cannot be loaded. */
export function SampleImage({ src, alt }: { src: string; alt: string }) {
  const [failed, setFailed] = useState(false);
  if (failed) {
    return (
      <div className="sample-missing" role="img" aria-label={`${alt} (image unavailable)`}>
        no image
      </div>
    );
  }
  return <img src={src} alt={alt} loading="lazy" width={96} height={96} onError={() => setFailed(true)} />;
}
