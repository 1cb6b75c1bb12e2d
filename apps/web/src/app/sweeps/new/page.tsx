import type { BenchmarkDto } from '@fer/contracts';
import { HEADS, MASK_NETS, METHODS, trainingConfigSchema } from '@fer/contracts/training-config.schema';
import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiErrorNotice } from '@/components/api-error-notice';
import { SweepForm } from '@/components/sweeps/sweep-form';
import { apiGet, load } from '@/server/api-client';
import { canLaunch } from '@/server/session';

export const metadata: Metadata = { title: 'New sweep' };

export default async function NewSweepPage() {
  const [benchmarks, launch] = await Promise.all([load(apiGet<BenchmarkDto[]>('/benchmarks')), canLaunch()]);
  return (
    <>
      <p className="small">
        <Link href="/sweeps">Sweeps</Link> /
      </p>
      <h1>New sweep</h1>
      <p className="muted">
        The API validates the spec and either stores it whole or names every field it rejects. Empty fields take the
        training config’s defaults.
      </p>
      {!launch ? (
        <p className="notice notice-warn" data-testid="sweep-form-read-only">
          Your key has the read role: it cannot create sweeps. Sign in with a launch or admin key.
        </p>
      ) : !benchmarks.ok ? (
        <ApiErrorNotice error={benchmarks.error} />
      ) : (
        <SweepForm
          options={{
            benchmarks: benchmarks.data,
            methods: METHODS,
            heads: HEADS,
            maskNets: MASK_NETS,
            defaults: trainingConfigSchema.parse({}) as unknown as Record<string, unknown> & {
              optimizer: Record<string, unknown>;
            },
          }}
        />
      )}
    </>
  );
}
