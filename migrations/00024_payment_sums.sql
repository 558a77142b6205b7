-- +goose Up
-- A reseller's dashboard shows the money its clients paid: payments, not credit applied (store.Billing.
-- ResellerSums). Summing them read every payment of the reseller's invoices on each view. Each statement that records
-- payments now appends their sum to the invoice sums' changes (migration 00021) as rows of kind 'payment' on the
-- issuer's side, with the provider as their state, folded in with the rest; the invoice list's totals leave them out.
-- Payments are only ever inserted.

-- +goose StatementBegin
CREATE FUNCTION payment_sums_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO invoice_sum_changes (side, owner, issuer, kind, state, currency, count, total_minor, open_minor)
	SELECT 'i', coalesce(i.issuer_reseller_id, 0), coalesce(i.issuer_reseller_id, 0), 'payment', p.provider, p.currency,
		count(*), sum(p.amount_minor), 0
	FROM n p JOIN invoices i ON i.id = p.invoice_id
	GROUP BY 2, 3, 5, 6;
	RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER payments_sums_insert AFTER INSERT ON payments REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION payment_sums_change();

-- The payments there are, as changes for the first fold.
INSERT INTO invoice_sum_changes (side, owner, issuer, kind, state, currency, count, total_minor, open_minor)
SELECT 'i', coalesce(i.issuer_reseller_id, 0), coalesce(i.issuer_reseller_id, 0), 'payment', p.provider, p.currency,
	count(*), sum(p.amount_minor), 0
FROM payments p JOIN invoices i ON i.id = p.invoice_id
GROUP BY 2, 3, 5, 6;

-- +goose Down
DROP TRIGGER payments_sums_insert ON payments;
DROP FUNCTION payment_sums_change();
DELETE FROM invoice_sum_changes WHERE kind = 'payment';
DELETE FROM invoice_sums WHERE kind = 'payment';
