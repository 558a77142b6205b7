-- +goose Up
-- The invoice list pages by key, newest issue date first (store.Billing.Invoices): the operator's and a client's
-- statements seek these in that order to their page instead of sorting every document they see; a reseller's finds
-- its issued and received documents through the last two (and still sorts them). Drafts are never listed.
CREATE INDEX invoices_issued_idx ON invoices (issued_on DESC, id DESC) WHERE state <> 'draft';
CREATE INDEX invoices_customer_issued_idx ON invoices (customer_id, issued_on DESC, id DESC) WHERE state <> 'draft';
CREATE INDEX invoices_reseller_issued_idx ON invoices (issuer_reseller_id, issued_on DESC, id DESC) WHERE state <> 'draft';

-- +goose Down
DROP INDEX invoices_reseller_issued_idx;
DROP INDEX invoices_customer_issued_idx;
DROP INDEX invoices_issued_idx;
