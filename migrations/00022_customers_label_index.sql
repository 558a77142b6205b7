-- +goose Up
-- The invoice list's customer picker offers the first buyers by label ("Company (Name)", or the name), at most 500
-- (store.Billing.Invoices): with these it walks the customers, or a reseller's clients, in that order and stops at
-- the 500th with a document, instead of sorting every buyer on every view (18 ms for 20,000 buyers).
CREATE INDEX customers_label_idx ON customers ((CASE WHEN company <> '' THEN company || ' (' || name || ')' ELSE name END), id);
CREATE INDEX customers_reseller_label_idx ON customers (reseller_id, (CASE WHEN company <> '' THEN company || ' (' || name || ')' ELSE name END), id);

-- +goose Down
DROP INDEX customers_reseller_label_idx;
DROP INDEX customers_label_idx;
