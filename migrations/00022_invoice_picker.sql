-- +goose Up
-- The invoice list's customer picker offers the first buyers by label ("Company (Name)", or the name), at most 500
-- (store.Billing.Invoices): with these it walks the customers, or a reseller's clients, in that order and stops at
-- the 500th with a document, instead of sorting every buyer on every view (18 ms for 20,000 buyers).
CREATE INDEX customers_label_idx ON customers ((CASE WHEN company <> '' THEN company || ' (' || name || ')' ELSE name END), id);
CREATE INDEX customers_reseller_label_idx ON customers (reseller_id, (CASE WHEN company <> '' THEN company || ' (' || name || ')' ELSE name END), id);

-- A reseller's picker walks its own clients (and itself), which holds because a reseller bills only those: billing
-- issues a customer's documents as the customer's reseller (billing.issuerOf). This makes it a rule of the data.
-- +goose StatementBegin
CREATE FUNCTION invoices_buyer_of_issuer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.issuer_reseller_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = NEW.customer_id
		AND (c.reseller_id = NEW.issuer_reseller_id OR c.id = NEW.issuer_reseller_id)) THEN
		RAISE EXCEPTION 'reseller % bills only its own clients, not customer %', NEW.issuer_reseller_id, NEW.customer_id
			USING ERRCODE = 'check_violation';
	END IF;
	RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER invoices_buyer_of_issuer BEFORE INSERT OR UPDATE OF customer_id, issuer_reseller_id ON invoices
	FOR EACH ROW EXECUTE FUNCTION invoices_buyer_of_issuer();

-- +goose Down
DROP TRIGGER invoices_buyer_of_issuer ON invoices;
DROP FUNCTION invoices_buyer_of_issuer();
DROP INDEX customers_reseller_label_idx;
DROP INDEX customers_label_idx;
