package tenancy

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"portal/internal/ispapi"
	"portal/internal/store"
)

// snapshot is an object's compared fields by ISPConfig id.
type snapshot map[int64]map[string]string

// ourRow is one of our records with its compared fields.
type ourRow struct {
	id     int64
	ispID  int64
	fields map[string]string
}

// driftKinds are the object kinds the drift check compares, with our side's query. Every query returns id,
// isp_id and the compared fields as text, for one customer's rows that ISPConfig should have.
var driftKinds = []struct {
	kind   store.Kind
	fields []string
	sql    string
}{
	{store.KindSite, []string{"domain", "active"},
		`SELECT id, isp_id, lower(domain), CASE WHEN coalesce(prev_active IS NULL AND active, false) THEN 'y' ELSE 'n' END
		FROM sites WHERE customer_id = $1 AND isp_id IS NOT NULL AND state = 'active'`},
	{store.KindMailDomain, []string{"domain", "active"},
		`SELECT id, isp_id, lower(domain), CASE WHEN coalesce(prev_active IS NULL AND active, false) THEN 'y' ELSE 'n' END
		FROM mail_domains WHERE customer_id = $1 AND isp_id IS NOT NULL AND state = 'active'`},
	{store.KindMailbox, []string{"email", "quota_mb"},
		`SELECT id, isp_id, lower(email), quota_mb::text FROM mailboxes WHERE customer_id = $1 AND isp_id IS NOT NULL AND state = 'active'`},
	{store.KindMailForward, []string{"kind", "source", "destination", "active"},
		`SELECT id, isp_id, kind, lower(source), lower(destination), CASE WHEN active THEN 'y' ELSE 'n' END
		FROM mail_forwards WHERE customer_id = $1 AND isp_id IS NOT NULL AND state = 'active'`},
	{store.KindDomain, []string{"domain"},
		`SELECT id, isp_id, lower(domain) FROM domains WHERE customer_id = $1 AND isp_id IS NOT NULL AND state = 'active'`},
}

func yn(b ispapi.Flag) string {
	if b {
		return "y"
	}
	return "n"
}

// hashField carries a mailbox's password hash from upstream to CheckDrift, which removes it before comparing.
const hashField = "\x00password_hash"

// upstream reads one client's objects of kind from ISPConfig.
func upstream(ctx context.Context, isp ISP, kind store.Kind, clientID int64) (snapshot, error) {
	out := snapshot{}
	switch kind {
	case store.KindSite:
		list, err := isp.WebDomainsByClient(ctx, clientID)
		for _, w := range list {
			out[int64(w.ID)] = map[string]string{"domain": strings.ToLower(w.Domain), "active": yn(w.Active)}
		}
		return out, err
	case store.KindMailDomain:
		list, err := isp.MailDomainsByClient(ctx, clientID)
		for _, m := range list {
			out[int64(m.ID)] = map[string]string{"domain": strings.ToLower(m.Domain), "active": yn(m.Active)}
		}
		return out, err
	case store.KindMailbox:
		list, err := isp.MailUsersByClient(ctx, clientID)
		for _, m := range list {
			out[int64(m.ID)] = map[string]string{"email": strings.ToLower(m.Email), "quota_mb": strconv.FormatInt(int64(m.QuotaBytes)>>20, 10),
				hashField: m.PasswordHash}
		}
		return out, err
	case store.KindMailForward:
		for _, get := range []func(context.Context, int64) ([]ispapi.MailForwarding, error){isp.MailAliasesByClient, isp.MailForwardsByClient, isp.MailCatchallsByClient} {
			list, err := get(ctx, clientID)
			if err != nil {
				return nil, err
			}
			for _, f := range list {
				out[int64(f.ID)] = map[string]string{"kind": f.Type, "source": strings.ToLower(f.Source),
					"destination": strings.ToLower(f.Destination), "active": yn(f.Active)}
			}
		}
		return out, nil
	case store.KindDomain:
		list, err := isp.DomainsByClient(ctx, clientID)
		for _, d := range list {
			out[int64(d.ID)] = map[string]string{"domain": strings.ToLower(d.Domain)}
		}
		return out, err
	}
	return nil, fmt.Errorf("tenancy: drift of unknown kind %s", kind)
}

// CheckDrift compares every active customer of a platform, and its objects, with ISPConfig and records each
// difference. It changes nothing else: adopting or forgetting is an admin's decision. It returns how many
// differences are open after the check.
func (s *Service) CheckDrift(ctx context.Context, platformID int64) (int, error) {
	isp, err := s.ISP(platformID)
	if err != nil {
		return 0, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, isp_client_id FROM customers
		WHERE platform_id = $1 AND state = 'active' AND isp_client_id IS NOT NULL ORDER BY id`, platformID)
	if err != nil {
		return 0, err
	}
	type cust struct{ ID, ISPID int64 }
	customers, err := pgx.CollectRows(rows, pgx.RowToStructByPos[cust])
	if err != nil {
		return 0, err
	}
	drift := store.NewDrift(s.pool)
	var seen []int64
	report := func(d store.DriftItem) error {
		d.PlatformID = platformID
		id, err := drift.Report(ctx, d)
		if id > 0 {
			seen = append(seen, id)
		}
		return err
	}
	for _, c := range customers {
		cid := c.ID
		if _, err := isp.GetClient(ctx, c.ISPID); errors.Is(err, ispapi.ErrNotFound) {
			ispID := c.ISPID
			if err := report(store.DriftItem{CustomerID: &cid, Kind: store.KindCustomer, OurID: &cid, ISPID: &ispID,
				Problem: store.DriftMissingUpstream, Detail: "the ISPConfig client is gone"}); err != nil {
				return 0, err
			}
			continue
		} else if err != nil {
			return 0, err
		}
		for _, dk := range driftKinds {
			up, err := upstream(ctx, isp, dk.kind, c.ISPID)
			if err != nil {
				return 0, err
			}
			// Mailbox password hashes are not compared or recorded as drift: they refresh the portal's copy
			// (which the public password page checks), so mailboxes from before the copy existed, and passwords
			// changed outside the portal, are picked up by the next check.
			hashes := map[int64]string{}
			for id, u := range up {
				if h, ok := u[hashField]; ok {
					hashes[id] = h
					delete(u, hashField)
				}
			}
			ours, err := s.ours(ctx, dk.sql, dk.fields, c.ID)
			if err != nil {
				return 0, err
			}
			for _, o := range ours {
				ourID, ispID := o.id, o.ispID
				u, ok := up[o.ispID]
				if !ok {
					if err := report(store.DriftItem{CustomerID: &cid, Kind: dk.kind, OurID: &ourID, ISPID: &ispID,
						Problem: store.DriftMissingUpstream, Detail: describeFields(o.fields, dk.fields) + " is not in ISPConfig"}); err != nil {
						return 0, err
					}
					continue
				}
				delete(up, o.ispID)
				if h := hashes[o.ispID]; dk.kind == store.KindMailbox && strings.HasPrefix(h, "$6$") {
					if err := store.NewMail(s.pool).SyncMailboxPasswordHash(ctx, ourID, h); err != nil {
						return 0, err
					}
				}
				var diffs []string
				for _, f := range dk.fields {
					if o.fields[f] != u[f] {
						diffs = append(diffs, fmt.Sprintf("%s: portal %q, ISPConfig %q", f, o.fields[f], u[f]))
					}
				}
				if len(diffs) > 0 {
					if err := report(store.DriftItem{CustomerID: &cid, Kind: dk.kind, OurID: &ourID, ISPID: &ispID,
						Problem: store.DriftChanged, Detail: strings.Join(diffs, "; "), Upstream: u}); err != nil {
						return 0, err
					}
				}
			}
			for ispID, u := range up {
				ispID := ispID
				if err := report(store.DriftItem{CustomerID: &cid, Kind: dk.kind, ISPID: &ispID,
					Problem: store.DriftMissingLocally, Detail: describeFields(u, dk.fields) + " exists only in ISPConfig", Upstream: u}); err != nil {
					return 0, err
				}
			}
		}
	}
	if err := drift.CloseGone(ctx, platformID, seen); err != nil {
		return 0, err
	}
	return len(seen), nil
}

func (s *Service) ours(ctx context.Context, sql string, fields []string, customerID int64) ([]ourRow, error) {
	rows, err := s.pool.Query(ctx, sql, customerID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ourRow, error) {
		vals := make([]string, len(fields))
		dest := []any{new(int64), new(int64)}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := row.Scan(dest...); err != nil {
			return ourRow{}, err
		}
		o := ourRow{id: *dest[0].(*int64), ispID: *dest[1].(*int64), fields: map[string]string{}}
		for i, f := range fields {
			o.fields[f] = vals[i]
		}
		return o, nil
	})
}

func describeFields(m map[string]string, fields []string) string {
	var parts []string
	for _, f := range fields {
		if f != "active" && f != "quota_mb" {
			parts = append(parts, m[f])
		}
	}
	return strings.Join(parts, " ")
}

// AdoptDrift makes the portal's records match ISPConfig for one difference: a record missing upstream is
// dropped (a customer is marked failed), a record missing locally is taken over for the customer it was found
// under, and changed values are copied. ISPConfig is never changed.
func (s *Service) AdoptDrift(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		d, err := store.NewDrift(tx).ByID(ctx, id)
		if err != nil {
			return err
		}
		if d.Resolution != nil {
			return userErr("This difference is already resolved.")
		}
		if err := adopt(ctx, tx, d); err != nil {
			return err
		}
		_, err = store.NewDrift(tx).Resolve(ctx, id, "adopted")
		return err
	})
}

func adopt(ctx context.Context, tx pgx.Tx, d store.DriftItem) error {
	u := d.Upstream
	switch d.Problem {
	case store.DriftMissingUpstream:
		if d.Kind == store.KindCustomer {
			_, err := store.NewCustomers(tx).SetState(ctx, *d.OurID, store.StateFailed, "missing in ISPConfig (adopted from the drift check)", store.StateActive)
			return err
		}
		err := store.NewObjects(tx).Delete(ctx, d.Kind, *d.OurID)
		if errors.Is(err, store.ErrInUse) {
			return userErr("Adopt the differences of the records inside it first.")
		}
		return err
	case store.DriftChanged:
		var err error
		switch d.Kind {
		case store.KindSite, store.KindMailDomain:
			table := "sites"
			if d.Kind == store.KindMailDomain {
				table = "mail_domains"
			}
			_, err = tx.Exec(ctx, `UPDATE `+table+` SET domain = $2, active = $3, prev_active = NULL, updated_at = now() WHERE id = $1`, *d.OurID, u["domain"], u["active"] == "y")
		case store.KindMailbox:
			q, _ := strconv.Atoi(u["quota_mb"])
			_, err = tx.Exec(ctx, `UPDATE mailboxes SET email = $2, quota_mb = $3, updated_at = now() WHERE id = $1`, *d.OurID, u["email"], q)
		case store.KindMailForward:
			_, err = tx.Exec(ctx, `UPDATE mail_forwards SET source = $2, destination = $3, active = $4, updated_at = now() WHERE id = $1`, *d.OurID, u["source"], u["destination"], u["active"] == "y")
		case store.KindDomain:
			_, err = tx.Exec(ctx, `UPDATE domains SET domain = $2, updated_at = now() WHERE id = $1`, *d.OurID, u["domain"])
		}
		return err
	case store.DriftMissingLocally:
		if d.CustomerID == nil || d.ISPID == nil {
			return userErr("This difference can't be adopted.")
		}
		cid, ispID := *d.CustomerID, *d.ISPID
		var err error
		switch d.Kind {
		case store.KindSite:
			_, err = tx.Exec(ctx, `INSERT INTO sites (customer_id, isp_id, domain, active, state) VALUES ($1, $2, $3, $4, 'active')`, cid, ispID, u["domain"], u["active"] == "y")
		case store.KindMailDomain:
			_, err = tx.Exec(ctx, `INSERT INTO mail_domains (customer_id, isp_id, domain, active, state) VALUES ($1, $2, $3, $4, 'active')`, cid, ispID, u["domain"], u["active"] == "y")
		case store.KindDomain:
			_, err = tx.Exec(ctx, `INSERT INTO domains (customer_id, isp_id, domain, state) VALUES ($1, $2, $3, 'active')`, cid, ispID, u["domain"])
		case store.KindMailbox, store.KindMailForward:
			addr := u["email"]
			if d.Kind == store.KindMailForward {
				addr = u["source"]
			}
			_, domain, _ := strings.Cut(addr, "@")
			var md int64
			if err := tx.QueryRow(ctx, `SELECT id FROM mail_domains WHERE customer_id = $1 AND lower(domain) = lower($2)`, cid, domain).Scan(&md); err != nil {
				return userErr("Adopt the mail domain %s first.", domain)
			}
			if d.Kind == store.KindMailbox {
				q, _ := strconv.Atoi(u["quota_mb"])
				_, err = tx.Exec(ctx, `INSERT INTO mailboxes (customer_id, mail_domain_id, isp_id, email, quota_mb, state) VALUES ($1, $2, $3, $4, $5, 'active')`, cid, md, ispID, u["email"], q)
			} else {
				_, err = tx.Exec(ctx, `INSERT INTO mail_forwards (customer_id, mail_domain_id, isp_id, kind, source, destination, active, state) VALUES ($1, $2, $3, $4, $5, $6, $7, 'active')`, cid, md, ispID, u["kind"], u["source"], u["destination"], u["active"] == "y")
			}
		default:
			return userErr("This difference can't be adopted.")
		}
		if errors.Is(err, store.ErrConflict) || (err != nil && strings.Contains(err.Error(), "23505")) {
			return userErr("The portal already has a record with that name.")
		}
		return err
	}
	return nil
}

// ForgetDrift ignores a difference from now on.
func (s *Service) ForgetDrift(ctx context.Context, id int64) error {
	ok, err := store.NewDrift(s.pool).Resolve(ctx, id, "forgotten")
	if err != nil {
		return err
	}
	if !ok {
		return userErr("This difference is already resolved.")
	}
	return nil
}
