-- Fair share (TrainDispatchService) ranks a new run by how many of its owner's runs already wait for a worker. Counting
-- them on every submission read every waiting run of that owner: one submission behind a 5,000-run sweep paid for
-- 5,000 rows. "OwnerWaitingRuns" keeps that number per owner ('' for runs without one), and these triggers keep it
-- whoever writes "Run" (the API, a worker, the reconciler, an operator in psql). Statement-level, so a sweep's 5,000
-- inserted or released runs cost one row per owner, not 5,000 updates of the same row; rows in owner order, so two
-- statements that touch the same owners lock them in the same order.

-- CreateTable
CREATE TABLE "OwnerWaitingRuns" (
    "owner" TEXT NOT NULL,
    "runs" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "OwnerWaitingRuns_pkey" PRIMARY KEY ("owner")
);

-- The count it replaces, and the index that served it.
DROP INDEX "Run_status_createdById_idx";

INSERT INTO "OwnerWaitingRuns" (owner, runs)
SELECT coalesce("createdById", ''), count(*)::int FROM "Run" WHERE status = 'queued' AND "heldReason" IS NULL GROUP BY 1;

-- A run waits when it is queued and no sweep budget holds it; the change per owner is +1 for each run of theirs that
-- waits after the statement, -1 for each that waited before it.
CREATE FUNCTION fer_owner_waiting_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM "OwnerWaitingRuns";
  ELSIF TG_OP = 'INSERT' THEN
    INSERT INTO "OwnerWaitingRuns" AS o (owner, runs)
    SELECT coalesce("createdById", ''), count(*)::int FROM new_runs WHERE status = 'queued' AND "heldReason" IS NULL
     GROUP BY 1 ORDER BY 1
    ON CONFLICT (owner) DO UPDATE SET runs = o.runs + excluded.runs;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO "OwnerWaitingRuns" AS o (owner, runs)
    SELECT coalesce("createdById", ''), -count(*)::int FROM old_runs WHERE status = 'queued' AND "heldReason" IS NULL
     GROUP BY 1 ORDER BY 1
    ON CONFLICT (owner) DO UPDATE SET runs = o.runs + excluded.runs;
  ELSE
    INSERT INTO "OwnerWaitingRuns" AS o (owner, runs)
    SELECT owner, sum(change)::int FROM (
      SELECT coalesce("createdById", '') AS owner, -1 AS change FROM old_runs WHERE status = 'queued' AND "heldReason" IS NULL
      UNION ALL
      SELECT coalesce("createdById", ''), 1 FROM new_runs WHERE status = 'queued' AND "heldReason" IS NULL
    ) changes GROUP BY owner HAVING sum(change) <> 0 ORDER BY owner
    ON CONFLICT (owner) DO UPDATE SET runs = o.runs + excluded.runs;
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Run_owner_waiting_inserted" AFTER INSERT ON "Run"
  REFERENCING NEW TABLE AS new_runs FOR EACH STATEMENT EXECUTE FUNCTION fer_owner_waiting_runs();

CREATE TRIGGER "Run_owner_waiting_updated" AFTER UPDATE ON "Run"
  REFERENCING OLD TABLE AS old_runs NEW TABLE AS new_runs FOR EACH STATEMENT EXECUTE FUNCTION fer_owner_waiting_runs();

CREATE TRIGGER "Run_owner_waiting_deleted" AFTER DELETE ON "Run"
  REFERENCING OLD TABLE AS old_runs FOR EACH STATEMENT EXECUTE FUNCTION fer_owner_waiting_runs();

CREATE TRIGGER "Run_owner_waiting_truncated" AFTER TRUNCATE ON "Run"
  FOR EACH STATEMENT EXECUTE FUNCTION fer_owner_waiting_runs();
