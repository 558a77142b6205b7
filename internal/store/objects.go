package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ObjectRef is the part of a hosted object that suspension, deletion and settling need.
type ObjectRef struct {
	Kind       Kind
	ID         int64
	CustomerID int64
	ISPID      *int64
	Key        string // the natural key ISPConfig finds it by: domain, address, or "kind|source|destination"
	Active     bool
	PrevActive *bool // the state before a suspension changed it in ISPConfig; nil when untouched
	State      string
	UpdatedAt  time.Time
}

// objectTable is what the generic object queries need to know about a kind's table.
type objectTable struct {
	name   string
	key    string // SQL of the natural key over alias o
	active string // SQL of the active flag
	prev   string // SQL of prev_active
}

var objectTables = map[Kind]objectTable{
	KindSite:        {name: "sites", key: "lower(o.domain)", active: "o.active", prev: "o.prev_active"},
	KindMailDomain:  {name: "mail_domains", key: "lower(o.domain)", active: "o.active", prev: "o.prev_active"},
	KindMailbox:     {name: "mailboxes", key: "lower(o.email)", active: "true", prev: "NULL::boolean"},
	KindMailForward: {name: "mail_forwards", key: "o.kind || '|' || lower(o.source) || '|' || lower(o.destination)", active: "o.active", prev: "NULL::boolean"},
	KindDomain:      {name: "domains", key: "lower(o.domain)", active: "true", prev: "NULL::boolean"},
}

func tableOf(kind Kind) (objectTable, error) {
	t, ok := objectTables[kind]
	if !ok {
		return t, fmt.Errorf("store: unknown object kind %q", kind)
	}
	return t, nil
}

// SetISPID records the ISPConfig id of an object created there again (pushing back drift).
func (s Objects) SetISPID(ctx context.Context, kind Kind, id, ispID int64) error {
	t, err := tableOf(kind)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `UPDATE `+t.name+` SET isp_id = $2, updated_at = now() WHERE id = $1`, id, ispID)
	if err == nil {
		err = s.Written(ctx, kind, id)
	}
	return wrap(err, "%s %d isp id", kind, id)
}

// TableOf names the table of an object kind.
func TableOf(kind Kind) (string, error) {
	t, err := tableOf(kind)
	return t.name, err
}

// DeletionOrder lists object kinds children first: forwards and mailboxes before their mail domain.
var DeletionOrder = []Kind{KindMailForward, KindMailbox, KindMailDomain, KindSite, KindDomain}

// Objects reads and writes hosted objects generically: the lifecycle every kind shares.
type Objects struct{ db DBTX }

// NewObjects returns the hosted-object tables over db.
func NewObjects(db DBTX) Objects { return Objects{db: db} }

func (s Objects) query(ctx context.Context, kind Kind, where string, args ...any) ([]ObjectRef, error) {
	t, err := tableOf(kind)
	if err != nil {
		return nil, err
	}
	rows, _ := s.db.Query(ctx, `SELECT o.id, o.customer_id, o.isp_id, `+t.key+`, `+t.active+`, `+t.prev+`, o.state, o.updated_at
		FROM `+t.name+` o WHERE `+where+` ORDER BY o.id`, args...)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ObjectRef, error) {
		o := ObjectRef{Kind: kind}
		err := row.Scan(&o.ID, &o.CustomerID, &o.ISPID, &o.Key, &o.Active, &o.PrevActive, &o.State, &o.UpdatedAt)
		return o, err
	})
}

// Of lists a customer's objects of kind, by id.
func (s Objects) Of(ctx context.Context, customerID int64, kind Kind) ([]ObjectRef, error) {
	list, err := s.query(ctx, kind, `o.customer_id = $1`, customerID)
	return list, wrap(err, "%s of customer %d", kind, customerID)
}

// Ref returns one object. Errors: ErrNotFound.
func (s Objects) Ref(ctx context.Context, kind Kind, id int64) (ObjectRef, error) {
	list, err := s.query(ctx, kind, `o.id = $1`, id)
	if err == nil && len(list) == 0 {
		return ObjectRef{}, ErrNotFound
	}
	if err != nil {
		return ObjectRef{}, wrap(err, "%s %d", kind, id)
	}
	return list[0], nil
}

// Pending lists the objects of kind left pending or deleting for longer than olderThan (a Postgres interval).
func (s Objects) Pending(ctx context.Context, kind Kind, olderThan string) ([]ObjectRef, error) {
	list, err := s.query(ctx, kind, `o.state IN ('pending', 'deleting') AND o.updated_at <= now() - $1::interval`, olderThan)
	return list, wrap(err, "pending %s", kind)
}

// SetPrevActive records (or, with nil, clears) what a suspension changed. Only sites and mail domains have it.
func (s Objects) SetPrevActive(ctx context.Context, kind Kind, id int64, prev *bool) error {
	if kind != KindSite && kind != KindMailDomain {
		return fmt.Errorf("store: %s has no suspension state", kind)
	}
	_, err := s.db.Exec(ctx, `UPDATE `+objectTables[kind].name+` SET prev_active = $2, updated_at = now() WHERE id = $1`, id, prev)
	return wrap(err, "%s %d prev_active", kind, id)
}

// Provisioned records ISPConfig's id and activates a pending object. It reports false when the row is gone or no
// longer pending (deleted meanwhile): the caller must then undo the ISPConfig side.
func (s Objects) Provisioned(ctx context.Context, kind Kind, id, ispID int64) (bool, error) {
	t, err := tableOf(kind)
	if err != nil {
		return false, err
	}
	tag, err := s.db.Exec(ctx, `UPDATE `+t.name+` SET isp_id = $2, state = 'active', state_detail = '', updated_at = now()
		WHERE id = $1 AND state = 'pending'`, id, ispID)
	if err == nil && tag.RowsAffected() == 1 {
		err = s.Written(ctx, kind, id) // ISPConfig's servers have yet to apply it
	}
	return tag.RowsAffected() == 1, wrap(err, "%s %d provisioned", kind, id)
}

// KeepPending leaves an object pending with what is known: ISPConfig's id when it revealed one, and a detail.
func (s Objects) KeepPending(ctx context.Context, kind Kind, id int64, ispID *int64, detail string) error {
	t, err := tableOf(kind)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `UPDATE `+t.name+` SET isp_id = coalesce($2, isp_id), state_detail = $3, updated_at = now()
		WHERE id = $1 AND state = 'pending'`, id, ispID, detail)
	return wrap(err, "%s %d pending", kind, id)
}

// SetState moves an object to state with a user-visible detail, only from one of the states in from; ispID, when
// not nil, is stored too. It reports whether the row changed.
func (s Objects) SetState(ctx context.Context, kind Kind, id int64, state, detail string, ispID *int64, from ...string) (bool, error) {
	t, err := tableOf(kind)
	if err != nil {
		return false, err
	}
	tag, err := s.db.Exec(ctx, `UPDATE `+t.name+` SET state = $2, state_detail = $3, isp_id = coalesce($4, isp_id),
		updated_at = now() WHERE id = $1 AND state = ANY($5)`, id, state, detail, ispID, from)
	return tag.RowsAffected() == 1, wrap(err, "%s %d state %s", kind, id, state)
}

// SetStateOf is SetState that also requires the object to still belong to customerID (a domain entry can move to
// another customer while a request for its old owner waits for that owner's lock).
func (s Objects) SetStateOf(ctx context.Context, kind Kind, id, customerID int64, state string, from ...string) (bool, error) {
	t, err := tableOf(kind)
	if err != nil {
		return false, err
	}
	tag, err := s.db.Exec(ctx, `UPDATE `+t.name+` SET state = $2, state_detail = '', updated_at = now()
		WHERE id = $1 AND customer_id = $3 AND state = ANY($4)`, id, state, customerID, from)
	return tag.RowsAffected() == 1, wrap(err, "%s %d state %s", kind, id, state)
}

// SetDetail updates an object's user-visible detail.
func (s Objects) SetDetail(ctx context.Context, kind Kind, id int64, detail string) error {
	t, err := tableOf(kind)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `UPDATE `+t.name+` SET state_detail = $2, updated_at = now() WHERE id = $1`, id, detail)
	return wrap(err, "%s %d detail", kind, id)
}

// Delete removes an object's row after ISPConfig no longer has it; a trigger releases the customer's claim on its
// name when no other object of the customer uses it. Errors: ErrInUse while rows inside it (a mail domain's
// mailboxes) remain.
func (s Objects) Delete(ctx context.Context, kind Kind, id int64) error {
	t, err := tableOf(kind)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, `DELETE FROM `+t.name+` WHERE id = $1`, id)
	if isFKViolation(err) {
		return ErrInUse
	}
	return wrap(err, "delete %s %d", kind, id)
}
