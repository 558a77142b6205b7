-- +goose Up
-- The operator's invoice list walks every document by issue date (store.Billing.Invoices). A reseller's and a
-- client's lists and statements have indexes of their own (by issuer, by buyer), but Postgres could also answer them
-- from the operator's index, filtering each document by issuer or buyer: its estimates assume a reseller's documents
-- are spread over time like everyone's, so when they are older than the operator's (as in TestInvoices_ReadTheirPage,
-- and as with a small reseller next to a busy operator) the first page of a reseller read 20,051 documents for its
-- 50, on some runs of ANALYZE and not on others. This index is partial on id > 0, always true (ids start at 1),
-- which only the operator's statements say (store.invoiceScope): no other statement can use it.
CREATE INDEX invoices_operator_issued_idx ON invoices (issued_on DESC, id DESC) WHERE state <> 'draft' AND id > 0;
DROP INDEX invoices_issued_idx;

-- +goose Down
CREATE INDEX invoices_issued_idx ON invoices (issued_on DESC, id DESC) WHERE state <> 'draft';
DROP INDEX invoices_operator_issued_idx;
