-- +goose Up
-- A reseller's signup page is /signup/{slug}. The slug was its hosting username, which is unique per platform
-- only: with two platforms, a second reseller of the same name had the first's page as its link, and visitors
-- signed up as the first's clients. And /signup/setup and /signup/resend are the signup flow's own pages, so a
-- reseller of either name had no page. Each live reseller now has a slug of its own: its username in lower case,
-- or, where an older reseller has that or the name is the flow's, the username, a tilde and its platform's id
-- (usernames have no tilde, and are unique per platform). A deleted reseller's slug goes to the next reseller of
-- its name, as its username-based link did.
ALTER TABLE customers ADD COLUMN signup_slug text;

UPDATE customers c SET signup_slug = s.slug
FROM (SELECT id, CASE WHEN row_number() OVER (PARTITION BY lower(isp_username) ORDER BY id) = 1
		AND lower(isp_username) NOT IN ('confirm', 'resend', 'setup') THEN lower(isp_username)
		ELSE lower(isp_username) || '~' || platform_id END AS slug
	FROM customers WHERE kind = 'reseller' AND state <> 'deleted') s
WHERE c.id = s.id;

CREATE UNIQUE INDEX customers_signup_slug_key ON customers (signup_slug) WHERE kind = 'reseller' AND state <> 'deleted';
ALTER TABLE customers ADD CONSTRAINT customers_reseller_slug CHECK (kind <> 'reseller' OR state = 'deleted' OR signup_slug IS NOT NULL);

-- +goose StatementBegin
CREATE FUNCTION customers_signup_slug() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	NEW.signup_slug := lower(NEW.isp_username);
	-- Two resellers of one name created at once (on two platforms): the second waits here for the first to commit,
	-- then sees its slug (each statement of this function reads what committed before it began).
	PERFORM pg_advisory_xact_lock(hashtext('customers.signup_slug ' || NEW.signup_slug));
	IF NEW.signup_slug IN ('confirm', 'resend', 'setup') OR EXISTS (SELECT 1 FROM customers WHERE kind = 'reseller'
		AND state <> 'deleted' AND signup_slug = NEW.signup_slug) THEN
		NEW.signup_slug := NEW.signup_slug || '~' || NEW.platform_id;
	END IF;
	RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER customers_signup_slug BEFORE INSERT ON customers FOR EACH ROW WHEN (NEW.kind = 'reseller')
	EXECUTE FUNCTION customers_signup_slug();

-- +goose Down
DROP TRIGGER customers_signup_slug ON customers;
DROP FUNCTION customers_signup_slug();
ALTER TABLE customers DROP CONSTRAINT customers_reseller_slug;
DROP INDEX customers_signup_slug_key;
ALTER TABLE customers DROP COLUMN signup_slug;
