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
-- +goose StatementBegin
DO $$
BEGIN
	IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
		EXECUTE $i$CREATE INDEX customers_search_idx ON customers USING gin
			(lower(name || ' ' || company || ' ' || email || ' ' || isp_username) gin_trgm_ops)$i$;
	END IF;
END $$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX IF EXISTS customers_search_idx;
