-- +goose Up
-- The invoice list's totals (store.Billing.Invoices), kept as documents are issued, paid, credited or voided, so
-- that a view reads a few rows instead of summing every document it may see: at 40,000 documents that sum took the
-- operator's and a reseller's list 45-70 ms a view, against 0.2 ms for the page itself.
--
-- Each document counts twice: in a row of its buyer ('c', the customer, with the issuer kept apart) and in a row of
-- its issuer ('i', the reseller, 0 for the operator). A client's totals are its 'c' rows; a reseller's are its 'i'
-- rows and the 'c' rows of what others issued to it; the operator's are all 'i' rows; a list filtered by customer
-- reads that customer's 'c' rows. Drafts are never listed, so never summed.
--
-- No write to invoices updates a sum: every issuer's few 'i' rows would be locked by each of its payments, credit
-- notes and issues until they commit, in whatever order each transaction's statements reach them (a payment takes
-- "issued" then "paid"; a plan change's credit note "paid", then its proration "issued": a deadlock). Instead each
-- statement appends its net change to invoice_sum_changes, which nobody else writes; reads add the pending changes
-- to the sums, and a periodic job folds them in every minute (store.Billing.FoldInvoiceSums, billing's
-- fold_invoice_sums): a read adds up the changes of the last minute or so, which a job that stopped running would
-- let grow.
CREATE TABLE invoice_sums (
	side        char(1) NOT NULL CHECK (side IN ('c', 'i')),
	owner       bigint  NOT NULL, -- 'c': the customer; 'i': the issuing reseller, 0 for the operator
	issuer      bigint  NOT NULL, -- the issuing reseller, 0 for the operator ('i': the owner)
	kind        text    NOT NULL,
	state       text    NOT NULL,
	currency    text    NOT NULL,
	count       bigint  NOT NULL,
	total_minor bigint  NOT NULL,
	open_minor  bigint  NOT NULL, -- what issued invoices still ask for
	PRIMARY KEY (side, owner, issuer, kind, state, currency)
);

CREATE TABLE invoice_sum_changes (
	id          bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	side        char(1) NOT NULL,
	owner       bigint  NOT NULL,
	issuer      bigint  NOT NULL,
	kind        text    NOT NULL,
	state       text    NOT NULL,
	currency    text    NOT NULL,
	count       bigint  NOT NULL,
	total_minor bigint  NOT NULL,
	open_minor  bigint  NOT NULL
);
CREATE INDEX invoice_sum_changes_owner_idx ON invoice_sum_changes (side, owner);

-- One document's part in the sums, signed: +1 as it is now, -1 as it was.
CREATE TYPE invoice_sum_doc AS (sign int, customer_id bigint, issuer bigint, kind text, state text, currency text,
	total bigint, paid bigint, credited bigint);

-- +goose StatementBegin
-- invoice_sums_note appends the net change of docs per buyer and per issuer (none where it nets to nothing: an
-- update that moved no amount, state or owner). Drafts are left out by the caller.
CREATE FUNCTION invoice_sums_note(docs invoice_sum_doc[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO invoice_sum_changes (side, owner, issuer, kind, state, currency, count, total_minor, open_minor)
	SELECT v.side, CASE v.side WHEN 'c' THEN d.customer_id ELSE d.issuer END, d.issuer, d.kind, d.state, d.currency,
		sum(d.sign), sum(d.total), sum(d.open)
	FROM (SELECT d.sign, d.customer_id, d.issuer, d.kind, d.state, d.currency, d.sign * d.total AS total,
			d.sign * CASE WHEN d.kind = 'invoice' AND d.state = 'issued' THEN greatest(d.total - d.paid - d.credited, 0)
				ELSE 0 END AS open
		FROM unnest(docs) d) d, (VALUES ('c'), ('i')) v(side)
	GROUP BY 1, 2, 3, 4, 5, 6
	HAVING sum(d.sign) <> 0 OR sum(d.total) <> 0 OR sum(d.open) <> 0;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
-- Statement-level, with transition tables: one insert per statement however many documents it wrote. (TRUNCATE
-- is not seen: nothing truncates invoices.)
CREATE FUNCTION invoice_sums_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM invoice_sums_note(array(SELECT row(1, customer_id, coalesce(issuer_reseller_id, 0), kind, state, currency,
			total_minor, paid_minor, credited_minor)::invoice_sum_doc FROM n WHERE state <> 'draft'));
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM invoice_sums_note(array(SELECT row(-1, customer_id, coalesce(issuer_reseller_id, 0), kind, state, currency,
			total_minor, paid_minor, credited_minor)::invoice_sum_doc FROM o WHERE state <> 'draft'));
	ELSE
		PERFORM invoice_sums_note(array(SELECT row(1, customer_id, coalesce(issuer_reseller_id, 0), kind, state, currency,
				total_minor, paid_minor, credited_minor)::invoice_sum_doc FROM n WHERE state <> 'draft'
			UNION ALL SELECT row(-1, customer_id, coalesce(issuer_reseller_id, 0), kind, state, currency,
				total_minor, paid_minor, credited_minor)::invoice_sum_doc FROM o WHERE state <> 'draft'));
	END IF;
	RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER invoices_sums_insert AFTER INSERT ON invoices REFERENCING NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION invoice_sums_change();
CREATE TRIGGER invoices_sums_update AFTER UPDATE ON invoices REFERENCING OLD TABLE AS o NEW TABLE AS n
	FOR EACH STATEMENT EXECUTE FUNCTION invoice_sums_change();
CREATE TRIGGER invoices_sums_delete AFTER DELETE ON invoices REFERENCING OLD TABLE AS o
	FOR EACH STATEMENT EXECUTE FUNCTION invoice_sums_change();

-- The documents there are, as changes for the first fold (which the job runs as the portal starts). This is also
-- how to rebuild the sums after a restore that bypassed triggers: in one transaction, LOCK TABLE invoices, payments
-- IN SHARE MODE (so that no write slips between the steps and counts twice), empty both tables, then run this and
-- the payments' statement of migration 00024.
SELECT invoice_sums_note(array(SELECT row(1, customer_id, coalesce(issuer_reseller_id, 0), kind, state, currency,
	total_minor, paid_minor, credited_minor)::invoice_sum_doc FROM invoices WHERE state <> 'draft'));

-- +goose Down
DROP TRIGGER invoices_sums_delete ON invoices;
DROP TRIGGER invoices_sums_update ON invoices;
DROP TRIGGER invoices_sums_insert ON invoices;
DROP FUNCTION invoice_sums_change();
DROP FUNCTION invoice_sums_note(invoice_sum_doc[]);
DROP TYPE invoice_sum_doc;
DROP TABLE invoice_sum_changes;
DROP TABLE invoice_sums;
