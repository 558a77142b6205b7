package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ObjectRef is the part of a hosted object that suspension and deletion need.
type ObjectRef struct {
	Kind       Kind
	ID         int64
	ISPID      *int64
	Active     bool
	PrevActive *bool // the state before a suspension changed it in ISPConfig; nil when untouched
}

var objectTables = map[Kind]string{
	KindSite: "sites", KindMailDomain: "mail_domains", KindMailbox: "mailboxes", KindMailForward: "mail_forwards",
	KindDomain: "domains",
}

// DeletionOrder lists object kinds children first: forwards and mailboxes before their mail domain.
var DeletionOrder = []Kind{KindMailForward, KindMailbox, KindMailDomain, KindSite, KindDomain}

// Objects reads and writes hosted objects generically, for whole-customer operations.
type Objects struct{ db DBTX }

// NewObjects returns the hosted-object tables over db.
func NewObjects(db DBTX) Objects { return Objects{db: db} }

// Of lists a customer's objects of kind, by id.
func (s Objects) Of(ctx context.Context, customerID int64, kind Kind) ([]ObjectRef, error) {
	table, ok := objectTables[kind]
	if !ok {
		return nil, fmt.Errorf("store: objects of unknown kind %q", kind)
	}
	active, prev := "active", "prev_active"
	if kind != KindSite && kind != KindMailDomain {
		prev = "NULL::boolean"
		if kind != KindMailForward {
			active = "true"
		}
	}
	rows, _ := s.db.Query(ctx, `SELECT id, isp_id, `+active+`, `+prev+` FROM `+table+` WHERE customer_id = $1 ORDER BY id`, customerID)
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (ObjectRef, error) {
		o := ObjectRef{Kind: kind}
		err := row.Scan(&o.ID, &o.ISPID, &o.Active, &o.PrevActive)
		return o, err
	})
	return list, wrap(err, "%s of customer %d", table, customerID)
}

// SetPrevActive records (or, with nil, clears) what a suspension changed. Only sites and mail domains have it.
func (s Objects) SetPrevActive(ctx context.Context, kind Kind, id int64, prev *bool) error {
	if kind != KindSite && kind != KindMailDomain {
		return fmt.Errorf("store: %s has no suspension state", kind)
	}
	_, err := s.db.Exec(ctx, `UPDATE `+objectTables[kind]+` SET prev_active = $2, updated_at = now() WHERE id = $1`, id, prev)
	return wrap(err, "%s %d prev_active", kind, id)
}

// SettlePending finishes a row a crashed request left pending: with ispID > 0 it is activated under that
// ISPConfig id, otherwise removed. Rows no longer pending are left alone.
func (s Objects) SettlePending(ctx context.Context, kind Kind, id, ispID int64) error {
	table, ok := objectTables[kind]
	if !ok {
		return fmt.Errorf("store: settle unknown kind %q", kind)
	}
	var err error
	if ispID > 0 {
		_, err = s.db.Exec(ctx, `UPDATE `+table+` SET isp_id = $2, state = 'active', state_detail = '', updated_at = now()
			WHERE id = $1 AND state = 'pending'`, id, ispID)
	} else {
		_, err = s.db.Exec(ctx, `DELETE FROM `+table+` WHERE id = $1 AND state = 'pending'`, id)
	}
	return wrap(err, "settle %s %d", kind, id)
}

// Delete removes an object's row after ISPConfig no longer has it. Errors: ErrInUse while rows inside it (a mail
// domain's mailboxes) remain.
func (s Objects) Delete(ctx context.Context, kind Kind, id int64) error {
	table, ok := objectTables[kind]
	if !ok {
		return fmt.Errorf("store: delete unknown kind %q", kind)
	}
	_, err := s.db.Exec(ctx, `DELETE FROM `+table+` WHERE id = $1`, id)
	if isFKViolation(err) {
		return ErrInUse
	}
	return wrap(err, "delete %s %d", kind, id)
}
