-- +goose Up
-- Every issuer has its row from the start: the operator's now, and each reseller's when the reseller is created.
-- Reading an issuer (every page that shows money) is then a read; before, it inserted the row on first use, so a
-- GET could write.
INSERT INTO billing_issuers (reseller_id) VALUES (NULL) ON CONFLICT DO NOTHING;
INSERT INTO billing_issuers (reseller_id) SELECT id FROM customers WHERE kind = 'reseller' ON CONFLICT DO NOTHING;

-- +goose StatementBegin
CREATE FUNCTION billing_issuer_for_reseller() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO billing_issuers (reseller_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER customers_billing_issuer AFTER INSERT ON customers FOR EACH ROW WHEN (NEW.kind = 'reseller')
	EXECUTE FUNCTION billing_issuer_for_reseller();

-- +goose Down
DROP TRIGGER customers_billing_issuer ON customers;
DROP FUNCTION billing_issuer_for_reseller();
