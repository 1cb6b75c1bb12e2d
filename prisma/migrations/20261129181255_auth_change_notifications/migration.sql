-- Every API process keeps authenticated keys and sessions in memory (AuthenticationCache) only while it LISTENs on
-- fer_auth_changed: these triggers notify it of every change that can end or alter an authentication, whoever makes
-- it (the API, another replica, an operator in psql). lastUsedAt and other columns do not notify.
CREATE FUNCTION fer_notify_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('fer_auth_changed', TG_TABLE_NAME);
  RETURN NULL;
END
$$;

CREATE TRIGGER "ApiKey_auth_changed" AFTER UPDATE OF name, role, hash, prefix, "revokedAt" OR DELETE OR TRUNCATE ON "ApiKey"
  FOR EACH STATEMENT EXECUTE FUNCTION fer_notify_auth_changed();

CREATE TRIGGER "Session_auth_changed" AFTER UPDATE OF "tokenHash", "apiKeyId", "expiresAt", "endedAt" OR DELETE OR TRUNCATE ON "Session"
  FOR EACH STATEMENT EXECUTE FUNCTION fer_notify_auth_changed();
