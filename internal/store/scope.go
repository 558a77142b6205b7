package store

import (
	"context"
	"fmt"
)

// Scope is what an effective account may see: everything (admin), its own clients and their objects (reseller),
// or its own objects (client). It is derived from the effective account only, never from a request.
type Scope struct {
	Role       Role
	CustomerID int64 // 0 for admins, and for reseller/client accounts not linked to a customer (they see nothing)
}

// ScopeOf returns the scope of an effective account.
func ScopeOf(a Account) Scope {
	s := Scope{Role: a.Role}
	if a.CustomerID != nil {
		s.CustomerID = *a.CustomerID
	}
	return s
}

// Kind names a type of object that routes address by id.
type Kind string

// The kinds of objects that have id routes.
const (
	KindCustomer    Kind = "customer"
	KindPlan        Kind = "plan"
	KindSite        Kind = "site"
	KindMailDomain  Kind = "mail_domain"
	KindMailbox     Kind = "mailbox"
	KindMailForward Kind = "mail_forward"
	KindDomain      Kind = "domain"
	KindDrift       Kind = "drift"    // a drift item: admins only
	KindOutbox      Kind = "outbox"   // an outgoing email: admins only
	KindSignup      Kind = "signup"   // a public signup: its reseller's, or (the operator's page) the admins'
	KindPlatform    Kind = "platform" // an ISPConfig installation: admins only

	KindPaymentEvent Kind = "payment_event" // a provider's webhook event: admins, and the reseller whose endpoint received it
	KindInvoice      Kind = "invoice"       // an invoice or credit note: its issuer's and its buyer's (admins: all)
)

// visibleTo is the one ownership rule, over a customers row aliased c, with the placeholders of the scope's role
// and customer id: admins see every customer; a reseller sees its clients; a client sees itself. Deleted
// customers (tombstones) are nobody's.
func visibleTo(role, cust string) string {
	return "c.state <> 'deleted' AND (" + role + "::text = 'admin' OR (" + role + "::text = 'reseller' AND c.reseller_id = " +
		cust + "::bigint) OR (" + role + "::text = 'client' AND c.id = " + cust + "::bigint))"
}

// visibleCustomer is visibleTo with the scope in $2 and $3 ($1 is the object id).
var visibleCustomer = visibleTo("$2", "$3")

// resolveSQL answers "may the scope see object $1 of this kind" for every kind, always through visibleCustomer
// (plans: an operator plan is the admins', a reseller's plan is that reseller's).
var resolveSQL = map[Kind]string{
	KindCustomer:    `SELECT c.id FROM customers c WHERE c.id = $1 AND ` + visibleCustomer,
	KindSite:        `SELECT o.id FROM sites o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1 AND ` + visibleCustomer,
	KindMailDomain:  `SELECT o.id FROM mail_domains o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1 AND ` + visibleCustomer,
	KindMailbox:     `SELECT o.id FROM mailboxes o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1 AND ` + visibleCustomer,
	KindMailForward: `SELECT o.id FROM mail_forwards o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1 AND ` + visibleCustomer,
	KindDomain:      `SELECT o.id FROM domains o JOIN customers c ON c.id = o.customer_id WHERE o.id = $1 AND ` + visibleCustomer,
	KindDrift:       `SELECT d.id FROM drift_items d WHERE d.id = $1 AND $2::text = 'admin' AND $3::bigint IS NULL`,
	KindSignup: `SELECT s.id FROM signups s WHERE s.id = $1 AND (($2::text = 'admin' AND s.reseller_id IS NULL) OR
		($2::text = 'reseller' AND s.reseller_id = $3::bigint))`,
	KindOutbox:   `SELECT o.id FROM outbox o WHERE o.id = $1 AND $2::text = 'admin' AND $3::bigint IS NULL`,
	KindPlatform: `SELECT p.id FROM platforms p WHERE p.id = $1 AND $2::text = 'admin' AND $3::bigint IS NULL`,

	KindPaymentEvent: `SELECT e.id FROM payment_events e WHERE e.id = $1 AND (($2::text = 'admin' AND $3::bigint IS NULL) OR
		($2::text = 'reseller' AND e.reseller_id = $3::bigint))`,
	KindInvoice: `SELECT i.id FROM invoices i WHERE i.id = $1 AND i.state <> 'draft' AND ` + visibleInvoice("$2", "$3"),
	KindPlan: `SELECT p.id FROM plans p WHERE p.id = $1 AND (($2::text = 'admin' AND p.reseller_id IS NULL) OR
		($2::text = 'reseller' AND p.reseller_id = $3::bigint))`,
}

// Resolve is the ownership choke point: it returns nil when scope may see object id of kind, and ErrNotFound
// otherwise — the same answer as for an id that does not exist.
func Resolve(ctx context.Context, db DBTX, scope Scope, kind Kind, id int64) error {
	q, ok := resolveSQL[kind]
	if !ok {
		return fmt.Errorf("store: resolve: unknown kind %q", kind)
	}
	if id <= 0 {
		return ErrNotFound
	}
	var got int64
	var cust *int64
	if scope.CustomerID != 0 {
		cust = &scope.CustomerID
	}
	err := db.QueryRow(ctx, q, id, string(scope.Role), cust).Scan(&got)
	return wrap(err, "resolve %s %d", kind, id)
}
