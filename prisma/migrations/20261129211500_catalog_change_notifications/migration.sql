-- Every API process keeps what resolving a submission read (SubmissionCatalogCache: a benchmark and the ready datasets
-- its runs may name) only while it LISTENs on fer_catalog_changed: these triggers notify it of every change that can
-- alter a resolution, whoever makes it (the API, another replica, an operator in psql): a benchmark created, archived
-- or deleted; a dataset version added, renamed, made ready or not, or deleted; a sample's split added, moved or deleted.
CREATE FUNCTION fer_notify_catalog_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('fer_catalog_changed', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER "Benchmark_catalog_changed" AFTER INSERT OR UPDATE OF name, domains, "archivedAt" OR DELETE OR TRUNCATE ON "Benchmark"
  FOR EACH STATEMENT EXECUTE FUNCTION fer_notify_catalog_changed();

CREATE TRIGGER "Dataset_catalog_changed" AFTER INSERT OR UPDATE OF id, name, domain, version, status, "createdAt" OR DELETE OR TRUNCATE ON "Dataset"
  FOR EACH STATEMENT EXECUTE FUNCTION fer_notify_catalog_changed();

CREATE TRIGGER "DatasetSample_catalog_changed" AFTER INSERT OR UPDATE OF "datasetId", split OR DELETE OR TRUNCATE ON "DatasetSample"
  FOR EACH STATEMENT EXECUTE FUNCTION fer_notify_catalog_changed();
