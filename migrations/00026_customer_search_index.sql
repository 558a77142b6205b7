-- +goose Up
-- A client search (the client pickers, store.Customers.Choices; the client lists' search, Customers.List) is a
-- substring match of name, company, email and username (customerSearch). Over the label or name index it reads every
-- client of the list until it has its page: for a term few clients match, 100–200 ms at 100,000 clients on every
-- keystroke. A trigram index finds those few. pg_trgm ships with PostgreSQL and is a trusted extension (13+), which
-- the database's owner may create; where it can't be, searches work as before, without the index.
-- +goose StatementBegin
DO $$
BEGIN
	CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
	RAISE WARNING 'pg_trgm is not available (%): client searches read the clients without a trigram index', SQLERRM;
END $$;
-- +goose StatementEnd
-- The operator class is named in the extension's schema, which need not be on the search path (an extension
-- installed before, in a schema of its own). Without the index the portal logs a warning at start
-- (cmd/portal: store.MissingIndexes); installing pg_trgm later and running this statement by hand adds it.
-- +goose StatementBegin
DO $$
DECLARE
	nsp text;
BEGIN
	SELECT n.nspname INTO nsp FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
	IF nsp IS NOT NULL THEN
		EXECUTE format($i$CREATE INDEX customers_search_idx ON customers USING gin
			(lower(name || ' ' || company || ' ' || email || ' ' || isp_username) %I.gin_trgm_ops)$i$, nsp);
	END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX IF EXISTS customers_search_idx;
