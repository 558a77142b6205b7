-- +goose Up
-- Billing. Every amount is BIGINT minor units next to a CHAR(3) ISO 4217 currency; there is no numeric or float
-- column. The "issuer" of an invoice is a reseller (customers.id of kind reseller) or the operator (reseller_id
-- NULL), the same convention as plans.reseller_id.

-- An issuer's profile: what is printed as the seller, its tax, its number series and its dunning rules.
-- next_number is the gapless counter: the issuing transaction locks this row, takes the number and moves it on,
-- so a rolled-back issue leaves no gap.
CREATE TABLE billing_issuers (
	id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	reseller_id          bigint REFERENCES customers (id),
	legal_name           text NOT NULL DEFAULT '',
	address              text NOT NULL DEFAULT '',
	country              char(2) NOT NULL DEFAULT 'DE',
	tax_id               text NOT NULL DEFAULT '',
	email                text NOT NULL DEFAULT '',
	vat_rate_bp          bigint NOT NULL DEFAULT 0 CHECK (vat_rate_bp BETWEEN 0 AND 10000),
	number_prefix        text NOT NULL DEFAULT 'INV-',
	currency             char(3) NOT NULL DEFAULT 'EUR' CHECK (currency ~ '^[A-Z]{3}$'),
	next_number          bigint NOT NULL DEFAULT 1 CHECK (next_number > 0),
	days_before          integer NOT NULL DEFAULT 14 CHECK (days_before BETWEEN 0 AND 60),
	payment_terms_days   integer NOT NULL DEFAULT 14 CHECK (payment_terms_days BETWEEN 0 AND 90),
	reminder_days        integer[] NOT NULL DEFAULT '{-7,1,3}',
	suspend_after_days   integer NOT NULL DEFAULT 5 CHECK (suspend_after_days BETWEEN 0 AND 365),
	terminate_after_days integer NOT NULL DEFAULT 30 CHECK (terminate_after_days BETWEEN 1 AND 3650),
	terminate_enabled    boolean NOT NULL DEFAULT false,
	updated_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX billing_issuers_owner_key ON billing_issuers (coalesce(reseller_id, 0));

-- Prices per plan and cycle. kind retail: what the plan's buyer pays its owner (an operator client plan: direct
-- clients; an operator reseller plan: the reseller's own fee; a reseller's client plan: its clients). kind
-- wholesale: only on operator reseller plans, what the operator charges a reseller per client and cycle.
CREATE TABLE plan_prices (
	plan_id          bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
	kind             text NOT NULL CHECK (kind IN ('retail', 'wholesale')),
	cycle            text NOT NULL CHECK (cycle IN ('monthly', 'yearly')),
	currency         char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
	amount_minor     bigint NOT NULL CHECK (amount_minor >= 0),
	setup_fee_minor  bigint NOT NULL DEFAULT 0 CHECK (setup_fee_minor >= 0),
	updated_at       timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (plan_id, kind, cycle)
);

-- The buyer's billing details: printed on its invoices, and its VAT id decides the reverse charge.
CREATE TABLE billing_profiles (
	customer_id bigint PRIMARY KEY REFERENCES customers (id),
	legal_name  text NOT NULL DEFAULT '',
	address     text NOT NULL DEFAULT '',
	country     char(2) NOT NULL DEFAULT '',
	vat_id      text NOT NULL DEFAULT '',
	updated_at  timestamptz NOT NULL DEFAULT now()
);

-- One subscription per customer. period_start..next_due_on is the period already invoiced (or being invoiced);
-- plan_id is the plan that period was billed at (customers.plan_id may have moved on: proration compares them).
CREATE TABLE subscriptions (
	id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	customer_id   bigint NOT NULL UNIQUE REFERENCES customers (id),
	plan_id       bigint NOT NULL REFERENCES plans (id),
	cycle         text NOT NULL CHECK (cycle IN ('monthly', 'yearly')),
	state         text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'past_due', 'suspended', 'cancelled')),
	period_start  date NOT NULL,
	next_due_on   date NOT NULL,
	created_at    timestamptz NOT NULL DEFAULT now(),
	updated_at    timestamptz NOT NULL DEFAULT now(),
	CHECK (next_due_on >= period_start)
);
CREATE INDEX subscriptions_due_idx ON subscriptions (next_due_on) WHERE state <> 'cancelled';

-- Invoices and credit notes. A draft has no number; issuing sets number, document (the frozen Document as JSON) and
-- hash (SHA-256 of its canonical form) once, and a trigger refuses any later change of what was issued.
-- purpose tells generated invoices apart so the periodic job makes one per subscription and period.
CREATE TABLE invoices (
	id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	issuer_id          bigint NOT NULL REFERENCES billing_issuers (id),
	issuer_reseller_id bigint REFERENCES customers (id),
	customer_id        bigint NOT NULL REFERENCES customers (id),
	subscription_id    bigint REFERENCES subscriptions (id),
	kind               text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
	purpose            text NOT NULL CHECK (purpose IN ('renewal', 'proration', 'signup', 'manual', 'credit')),
	credits_invoice_id bigint REFERENCES invoices (id),
	period_from        date,
	period_to          date,
	state              text NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'issued', 'paid', 'void')),
	number             text,
	currency           char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
	net_minor          bigint NOT NULL DEFAULT 0,
	tax_minor          bigint NOT NULL DEFAULT 0,
	total_minor        bigint NOT NULL DEFAULT 0,
	paid_minor         bigint NOT NULL DEFAULT 0,  -- payments and applied credit balance
	credited_minor     bigint NOT NULL DEFAULT 0,  -- credit notes against it, as a positive amount
	document           jsonb NOT NULL,
	hash               text,
	issued_on          date,
	due_on             date,
	paid_at            timestamptz,
	created_at         timestamptz NOT NULL DEFAULT now(),
	updated_at         timestamptz NOT NULL DEFAULT now(),
	CHECK (kind = 'invoice' OR credits_invoice_id IS NOT NULL),
	CHECK (state = 'draft' OR (number IS NOT NULL AND hash IS NOT NULL AND issued_on IS NOT NULL)),
	CHECK (paid_minor >= 0 AND credited_minor >= 0)
);
CREATE UNIQUE INDEX invoices_number_key ON invoices (issuer_id, number) WHERE number IS NOT NULL;
-- The periodic job's idempotence: one renewal invoice per subscription and period.
CREATE UNIQUE INDEX invoices_period_key ON invoices (subscription_id, period_from) WHERE purpose = 'renewal';
CREATE UNIQUE INDEX invoices_signup_key ON invoices (customer_id) WHERE purpose = 'signup';
CREATE INDEX invoices_issuer_idx ON invoices (coalesce(issuer_reseller_id, 0), created_at DESC, id DESC);
CREATE INDEX invoices_customer_idx ON invoices (customer_id, created_at DESC, id DESC);
CREATE INDEX invoices_open_idx ON invoices (due_on) WHERE state = 'issued';

-- +goose StatementBegin
CREATE FUNCTION invoices_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.state <> 'draft' AND (NEW.number IS DISTINCT FROM OLD.number OR NEW.document IS DISTINCT FROM OLD.document
		OR NEW.hash IS DISTINCT FROM OLD.hash OR NEW.currency IS DISTINCT FROM OLD.currency
		OR NEW.net_minor IS DISTINCT FROM OLD.net_minor OR NEW.tax_minor IS DISTINCT FROM OLD.tax_minor
		OR NEW.total_minor IS DISTINCT FROM OLD.total_minor OR NEW.customer_id IS DISTINCT FROM OLD.customer_id
		OR NEW.issuer_id IS DISTINCT FROM OLD.issuer_id OR NEW.issued_on IS DISTINCT FROM OLD.issued_on
		OR NEW.due_on IS DISTINCT FROM OLD.due_on OR NEW.kind IS DISTINCT FROM OLD.kind
		OR NEW.credits_invoice_id IS DISTINCT FROM OLD.credits_invoice_id OR NEW.state = 'draft') THEN
		RAISE EXCEPTION 'invoice % is issued: its document can not change (issue a credit note)', OLD.id
			USING ERRCODE = 'check_violation';
	END IF;
	IF TG_OP = 'DELETE' THEN
		IF OLD.state <> 'draft' THEN
			RAISE EXCEPTION 'invoice % is issued: it can not be deleted', OLD.id USING ERRCODE = 'check_violation';
		END IF;
		RETURN OLD;
	END IF;
	RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER invoices_frozen BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION invoices_frozen();
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices FOR EACH ROW EXECUTE FUNCTION invoices_frozen();

-- Payments: one row per provider reference, so the same bank transfer, cash receipt or Stripe payment is counted
-- once however often it is reported. Provider "credit" is the customer's credit balance applied to an invoice.
CREATE TABLE payments (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	invoice_id   bigint NOT NULL REFERENCES invoices (id),
	provider     text NOT NULL CHECK (provider IN ('stripe', 'bank', 'cash', 'credit')),
	reference    text NOT NULL CHECK (reference <> ''),
	currency     char(3) NOT NULL,
	amount_minor bigint NOT NULL CHECK (amount_minor > 0),
	paid_at      timestamptz NOT NULL,
	recorded_by  bigint REFERENCES accounts (id),
	created_at   timestamptz NOT NULL DEFAULT now(),
	UNIQUE (provider, reference)
);
CREATE INDEX payments_invoice_idx ON payments (invoice_id);

-- A provider payment on its way (Checkout completed, the money not yet confirmed): dunning does not suspend.
CREATE TABLE payments_pending (
	invoice_id bigint NOT NULL REFERENCES invoices (id),
	provider   text NOT NULL,
	reference  text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (provider, reference)
);
CREATE INDEX payments_pending_invoice_idx ON payments_pending (invoice_id);

-- The credit balance as a ledger: credit notes beyond what their invoice still owed add to it, applying it to an
-- invoice takes from it. The balance is the sum per customer and currency, never stored on its own.
CREATE TABLE credit_entries (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	customer_id  bigint NOT NULL REFERENCES customers (id),
	currency     char(3) NOT NULL,
	amount_minor bigint NOT NULL CHECK (amount_minor <> 0),
	invoice_id   bigint NOT NULL REFERENCES invoices (id),
	reason       text NOT NULL,
	created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_entries_customer_idx ON credit_entries (customer_id, currency);

-- Dunning steps done per invoice ('reminder:-7', 'reminder:1', 'suspend', 'terminate'): a step is recorded in the
-- transaction that does it, so running the dunning job twice does nothing twice.
CREATE TABLE dunning_steps (
	invoice_id bigint NOT NULL REFERENCES invoices (id),
	step       text NOT NULL,
	done_at    timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (invoice_id, step)
);

-- +goose Down
DROP TABLE dunning_steps;
DROP TABLE credit_entries;
DROP TABLE payments_pending;
DROP TABLE payments;
DROP TABLE invoices;
DROP FUNCTION invoices_frozen();
DROP TABLE subscriptions;
DROP TABLE billing_profiles;
DROP TABLE plan_prices;
DROP TABLE billing_issuers;
