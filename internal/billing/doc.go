// Package billing holds the portal's money rules and the multi-table transactions that go with them: prices,
// subscriptions, invoices (gapless numbers per issuer, frozen documents with their hash, credit notes instead of
// edits), payments, proration, credit balances and dunning. Its Service owns every rule, lock and transaction;
// the SQL is in internal/store/billing.go.
package billing
