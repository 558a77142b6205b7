package tenancy

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fail"
	"portal/internal/i18n"
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

// driftKinds are the object kinds the drift check compares, with every field the portal manages for them and our
// side's query. Every query returns id, isp_id and the compared fields as text, for one customer's rows that
// ISPConfig should have. Values are spelled as upstream() spells ISPConfig's: flags y/n, sizes in MB, names lower
// case, address lists without blanks.
var driftKinds = []struct {
	kind   store.Kind
	fields []string
	sql    string
}{
	{store.KindSite, []string{"domain", "active", "php", "ssl", "letsencrypt", "quota_mb", "traffic_mb"},
		`SELECT id, isp_id, lower(domain), CASE WHEN coalesce(prev_active IS NULL AND active, false) THEN 'y' ELSE 'n' END,
			php_mode, CASE WHEN ssl THEN 'y' ELSE 'n' END, CASE WHEN letsencrypt THEN 'y' ELSE 'n' END, quota_mb::text, traffic_mb::text
		FROM sites WHERE customer_id = $1 AND isp_id IS NOT NULL AND state = 'active'`},
	{store.KindMailDomain, []string{"domain", "active"},
		`SELECT id, isp_id, lower(domain), CASE WHEN coalesce(prev_active IS NULL AND active, false) THEN 'y' ELSE 'n' END
		FROM mail_domains WHERE customer_id = $1 AND isp_id IS NOT NULL AND state = 'active'`},
	// A mailbox is active when it receives mail (ISPConfig's postfix flag): the portal creates every mailbox so and
	// never switches it off.
	{store.KindMailbox, []string{"email", "name", "quota_mb", "active"},
		`SELECT id, isp_id, lower(email), name, quota_mb::text, 'y' FROM mailboxes WHERE customer_id = $1 AND isp_id IS NOT NULL AND state = 'active'`},
	{store.KindMailForward, []string{"kind", "source", "destination", "active"},
		`SELECT id, isp_id, kind, lower(source), replace(lower(trim(destination)), ', ', ','), CASE WHEN active THEN 'y' ELSE 'n' END
		FROM mail_forwards WHERE customer_id = $1 AND isp_id IS NOT NULL AND state = 'active'`},
	// owner is the ISPConfig client id the entry belongs to.
	{store.KindDomain, []string{"domain", "owner"},
		`SELECT d.id, d.isp_id, lower(d.domain), c.isp_client_id::text FROM domains d JOIN customers c ON c.id = d.customer_id
		WHERE d.customer_id = $1 AND d.isp_id IS NOT NULL AND d.state = 'active'`},
}

// clientFields are the compared fields of a customer's ISPConfig client: its owner (parent_client_id, 0 for the
// operator's own) and the limits the portal mirrors from its plan.
var clientFields = []string{"owner", "limit_client", "limit_web_domain", "limit_web_quota", "limit_traffic_quota",
	"limit_maildomain", "limit_mailbox", "limit_mailalias", "limit_mailforward", "limit_mailcatchall", "limit_mailquota",
	"limit_domainmodule", "limit_ssl", "limit_ssl_letsencrypt"}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// clientValues spells a client record as the drift check compares it.
func clientValues(r ispapi.ClientRecord) map[string]string {
	return map[string]string{"owner": itoa(int64(r.ParentClientID)), "limit_client": itoa(int64(r.LimitClient)),
		"limit_web_domain": itoa(int64(r.LimitWebDomain)), "limit_web_quota": itoa(int64(r.LimitWebQuota)),
		"limit_traffic_quota": itoa(int64(r.LimitTraffic)), "limit_maildomain": itoa(int64(r.LimitMailDomain)),
		"limit_mailbox": itoa(int64(r.LimitMailbox)), "limit_mailalias": itoa(int64(r.LimitMailAlias)),
		"limit_mailforward": itoa(int64(r.LimitMailForward)), "limit_mailcatchall": itoa(int64(r.LimitCatchall)),
		"limit_mailquota": itoa(int64(r.LimitMailQuota)), "limit_domainmodule": itoa(int64(r.LimitDomainMod)),
		"limit_ssl": yn(r.LimitSSL), "limit_ssl_letsencrypt": yn(r.LimitLetsEncrypt)}
}

// ourClientValues is what the portal wants a customer's ISPConfig client to have.
func ourClientValues(owner int64, plan store.Plan) map[string]string {
	l := ispLimits(plan)
	b := func(v bool) string { return yn(ispapi.Flag(v)) }
	return map[string]string{"owner": itoa(owner), "limit_client": itoa(l.Client), "limit_web_domain": itoa(l.WebDomain),
		"limit_web_quota": itoa(l.WebQuota), "limit_traffic_quota": itoa(l.TrafficQuota), "limit_maildomain": itoa(l.MailDomain),
		"limit_mailbox": itoa(l.Mailbox), "limit_mailalias": itoa(l.MailAlias), "limit_mailforward": itoa(l.MailForward),
		"limit_mailcatchall": itoa(l.MailCatchall), "limit_mailquota": itoa(l.MailQuota), "limit_domainmodule": itoa(l.DomainModule),
		"limit_ssl": b(l.SSL), "limit_ssl_letsencrypt": b(l.SSLLetsEncrypt)}
}

func yn(b ispapi.Flag) string {
	if b {
		return "y"
	}
	return "n"
}

// addressList spells an address list as the drift check compares it: lower case, no blanks after commas.
func addressList(s string) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), ", ", ",")
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
			out[int64(w.ID)] = siteValues(w)
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
			out[int64(m.ID)] = map[string]string{"email": strings.ToLower(m.Email), "name": m.Name,
				"quota_mb": itoa(int64(m.QuotaBytes) >> 20), "active": yn(m.Postfix), hashField: m.PasswordHash}
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
					"destination": addressList(f.Destination), "active": yn(f.Active)}
			}
		}
		return out, nil
	case store.KindDomain:
		list, err := isp.DomainsByClient(ctx, clientID)
		for _, d := range list {
			out[int64(d.ID)] = map[string]string{"domain": strings.ToLower(d.Domain), "owner": itoa(clientID)}
		}
		return out, err
	}
	return nil, fmt.Errorf("tenancy: drift of unknown kind %s", kind)
}

func siteValues(w ispapi.WebDomain) map[string]string {
	return map[string]string{"domain": strings.ToLower(w.Domain), "active": yn(w.Active), "php": w.PHP,
		"ssl": yn(w.SSL), "letsencrypt": yn(w.SSLLetsEncrypt), "quota_mb": itoa(int64(w.HDQuota)),
		"traffic_mb": itoa(int64(w.TrafficQuota))}
}

// differences lists the fields whose values differ, as "field: portal …, ISPConfig …".
func differences(fields []string, ours, theirs map[string]string) []string {
	var diffs []string
	for _, f := range fields {
		if ours[f] != theirs[f] {
			diffs = append(diffs, fmt.Sprintf("%s: portal %q, ISPConfig %q", f, ours[f], theirs[f]))
		}
	}
	return diffs
}

// CheckDrift compares every active customer of a platform, and its objects, with ISPConfig and records each
// difference. It changes nothing else: adopting, pushing back or forgetting is an admin's decision. It returns how
// many differences are open after the check.
func (s *Service) CheckDrift(ctx context.Context, platformID int64) (int, error) {
	isp, err := s.ISP(platformID)
	if err != nil {
		return 0, err
	}
	rows, err := s.pool.Query(ctx, `SELECT c.id, c.isp_client_id, c.plan_id, coalesce(r.isp_client_id, 0)
		FROM customers c LEFT JOIN customers r ON r.id = c.reseller_id
		WHERE c.platform_id = $1 AND c.state = 'active' AND c.isp_client_id IS NOT NULL ORDER BY c.id`, platformID)
	if err != nil {
		return 0, err
	}
	type cust struct{ ID, ISPID, PlanID, OwnerISPID int64 }
	customers, err := pgx.CollectRows(rows, pgx.RowToStructByPos[cust])
	if err != nil {
		return 0, err
	}
	// Domain-limit entries can change owner in ISPConfig: an entry of ours found under another of our clients is
	// one difference (its owner), not one missing here and one extra there. groups maps the ISPConfig groups of
	// the platform's customers to their client ids, to name an entry's owner.
	ourDomains := map[int64]bool{}
	groups := map[int64]int64{}
	rows, err = s.pool.Query(ctx, `SELECT d.isp_id, 0::bigint FROM domains d JOIN customers c ON c.id = d.customer_id
		WHERE c.platform_id = $1 AND d.isp_id IS NOT NULL
		UNION ALL SELECT -isp_group_id, isp_client_id FROM customers WHERE platform_id = $1 AND isp_group_id IS NOT NULL
			AND isp_client_id IS NOT NULL AND state <> 'deleted'`, platformID)
	if err != nil {
		return 0, err
	}
	var id, v int64
	if _, err := pgx.ForEachRow(rows, []any{&id, &v}, func() error {
		if id > 0 {
			ourDomains[id] = true
		} else {
			groups[-id] = v
		}
		return nil
	}); err != nil {
		return 0, err
	}
	drift := store.NewDrift(s.pool)
	plans := store.NewPlans(s.pool)
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
		rec, err := isp.GetClient(ctx, c.ISPID)
		if errors.Is(err, ispapi.ErrNotFound) {
			ispID := c.ISPID
			if err := report(store.DriftItem{CustomerID: &cid, Kind: store.KindCustomer, OurID: &cid, ISPID: &ispID,
				Problem: store.DriftMissingUpstream, Detail: "the ISPConfig client is gone"}); err != nil {
				return 0, err
			}
			continue
		} else if err != nil {
			return 0, err
		}
		plan, err := plans.ByID(ctx, c.PlanID)
		if err != nil {
			return 0, err
		}
		theirs := clientValues(rec)
		if diffs := differences(clientFields, ourClientValues(c.OwnerISPID, plan), theirs); len(diffs) > 0 {
			ispID := c.ISPID
			if err := report(store.DriftItem{CustomerID: &cid, Kind: store.KindCustomer, OurID: &cid, ISPID: &ispID,
				Problem: store.DriftChanged, Detail: strings.Join(diffs, "; "), Upstream: theirs}); err != nil {
				return 0, err
			}
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
				if !ok && dk.kind == store.KindDomain {
					// Not the client's (any more): another client's, or gone.
					d, err := isp.GetDomain(ctx, o.ispID)
					switch {
					case err == nil:
						owner := "group " + itoa(int64(d.SysGroupID))
						if cl, known := groups[int64(d.SysGroupID)]; known {
							owner = itoa(cl)
						}
						u, ok = map[string]string{"domain": strings.ToLower(d.Domain), "owner": owner}, true
					case !errors.Is(err, ispapi.ErrNotFound):
						return 0, err
					}
				}
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
				if diffs := differences(dk.fields, o.fields, u); len(diffs) > 0 {
					if err := report(store.DriftItem{CustomerID: &cid, Kind: dk.kind, OurID: &ourID, ISPID: &ispID,
						Problem: store.DriftChanged, Detail: strings.Join(diffs, "; "), Upstream: u}); err != nil {
						return 0, err
					}
				}
			}
			for ispID, u := range up {
				if dk.kind == store.KindDomain && ourDomains[ispID] {
					continue // one of our entries under another owner: reported with that entry
				}
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
		if f == "domain" || f == "email" || f == "source" || f == "kind" || f == "destination" {
			parts = append(parts, m[f])
		}
	}
	return strings.Join(parts, " ")
}

// adoptDrift makes the portal's records match ISPConfig for one difference: a record missing upstream is
// dropped (a customer is marked failed), a record missing locally is taken over for the customer it was found
// under, and changed values are copied. ISPConfig is never changed.
func (s *Service) adoptDrift(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		d, err := store.NewDrift(tx).ByID(ctx, id)
		if err != nil {
			return err
		}
		if d.Resolution != nil {
			return fail.Invalid("This difference is already resolved.")
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
			_, err := store.NewCustomers(tx).SetState(ctx, *d.OurID, store.StateFailed, i18n.Keep("missing on the hosting platform"), store.StateActive)
			return err
		}
		err := store.NewObjects(tx).Delete(ctx, d.Kind, *d.OurID)
		if errors.Is(err, store.ErrInUse) {
			return fail.Invalid("Adopt the differences of the records inside it first.")
		}
		return err
	case store.DriftChanged:
		return adoptChanged(ctx, tx, d)
	case store.DriftMissingLocally:
		if d.CustomerID == nil || d.ISPID == nil {
			return fail.Invalid("This difference can't be adopted.")
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
				return fail.Invalid("Adopt the mail domain %s first.", domain)
			}
			if d.Kind == store.KindMailbox {
				q, _ := strconv.Atoi(u["quota_mb"])
				_, err = tx.Exec(ctx, `INSERT INTO mailboxes (customer_id, mail_domain_id, isp_id, email, quota_mb, state) VALUES ($1, $2, $3, $4, $5, 'active')`, cid, md, ispID, u["email"], q)
			} else {
				_, err = tx.Exec(ctx, `INSERT INTO mail_forwards (customer_id, mail_domain_id, isp_id, kind, source, destination, active, state) VALUES ($1, $2, $3, $4, $5, $6, $7, 'active')`, cid, md, ispID, u["kind"], u["source"], u["destination"], u["active"] == "y")
			}
		default:
			return fail.Invalid("This difference can't be adopted.")
		}
		if errors.Is(err, store.ErrConflict) || (err != nil && strings.Contains(err.Error(), "23505")) {
			return fail.Invalid("The portal already has a record with that name.")
		}
		return err
	}
	return nil
}

// adoptColumns maps each compared field of a kind to the column adopting it writes, and how ISPConfig's value is
// stored there.
var adoptColumns = map[store.Kind]map[string]struct {
	col  string
	conv func(string) any
}{
	store.KindSite: {"domain": {"domain", text}, "active": {"active", flag}, "php": {"php_mode", text},
		"ssl": {"ssl", flag}, "letsencrypt": {"letsencrypt", flag}, "quota_mb": {"quota_mb", number}, "traffic_mb": {"traffic_mb", number}},
	store.KindMailDomain:  {"domain": {"domain", text}, "active": {"active", flag}},
	store.KindMailbox:     {"email": {"email", text}, "name": {"name", text}, "quota_mb": {"quota_mb", number}},
	store.KindMailForward: {"source": {"source", text}, "destination": {"destination", text}, "active": {"active", flag}},
	store.KindDomain:      {"domain": {"domain", text}},
}

func text(v string) any   { return v }
func flag(v string) any   { return v == "y" }
func number(v string) any { n, _ := strconv.Atoi(v); return n }

// adoptChanged copies ISPConfig's values of a changed object into our record. A customer's limits and reseller
// are the portal's decisions (its plan and its records), so they can't be adopted; an inactive mailbox neither (the
// portal has no such state).
func adoptChanged(ctx context.Context, tx pgx.Tx, d store.DriftItem) error {
	u := d.Upstream
	switch d.Kind {
	case store.KindCustomer:
		return fail.Invalid("A client's limits come from its plan and its reseller from the portal: push the portal's values back, or forget the difference.")
	case store.KindMailbox:
		if u["active"] == "n" {
			return fail.Invalid("The portal has no disabled mailboxes: push the portal's value back, or forget the difference.")
		}
	case store.KindDomain:
		if owner, ok := u["owner"]; ok {
			var cur int64
			if err := tx.QueryRow(ctx, `SELECT c.isp_client_id FROM domains d JOIN customers c ON c.id = d.customer_id WHERE d.id = $1`, *d.OurID).Scan(&cur); err != nil {
				return err
			}
			if owner != itoa(cur) {
				var to int64
				err := tx.QueryRow(ctx, `SELECT id FROM customers WHERE platform_id = $1 AND isp_client_id::text = $2
					AND kind = 'client' AND state = 'active'`, d.PlatformID, owner).Scan(&to)
				if errors.Is(err, pgx.ErrNoRows) {
					return fail.Invalid("ISPConfig gave this entry to a client the portal doesn't have: push the portal's owner back, or forget the difference.")
				} else if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE domains SET customer_id = $2, updated_at = now() WHERE id = $1`, *d.OurID, to); err != nil {
					return err
				}
			}
		}
	}
	cols, ok := adoptColumns[d.Kind]
	if !ok {
		return fail.Invalid("This difference can't be adopted.")
	}
	table, err := store.TableOf(d.Kind)
	if err != nil {
		return err
	}
	set := []string{"updated_at = now()"}
	args := []any{*d.OurID}
	for _, f := range slices.Sorted(maps.Keys(cols)) {
		v, present := u[f]
		if !present {
			continue
		}
		c := cols[f]
		args = append(args, c.conv(v))
		set = append(set, fmt.Sprintf("%s = $%d", c.col, len(args)))
		if f == "active" && (d.Kind == store.KindSite || d.Kind == store.KindMailDomain) {
			set = append(set, "prev_active = NULL")
		}
	}
	_, err = tx.Exec(ctx, `UPDATE `+table+` SET `+strings.Join(set, ", ")+` WHERE id = $1`, args...)
	if err != nil && strings.Contains(err.Error(), "23505") {
		return fail.Invalid("The portal already has a record with that name.")
	}
	return err
}

// forgetDrift ignores a difference from now on.
func (s *Service) forgetDrift(ctx context.Context, id int64) error {
	ok, err := store.NewDrift(s.pool).Resolve(ctx, id, "forgotten")
	if err != nil {
		return err
	}
	if !ok {
		return fail.Invalid("This difference is already resolved.")
	}
	return nil
}

// PushClient writes the limits the portal mirrors from a customer's plan back to its ISPConfig client (the push
// side of a changed client found by the drift check), under the customer's lock. A client's reseller can't be
// pushed: client_update never changes parent_client_id (API.md §4.2), so that is fixed in the panel or forgotten.
func (s *Service) PushClient(ctx context.Context, id int64) error {
	return s.withCustomerLock(ctx, id, func(conn *pgxpool.Conn) error {
		customers := store.NewCustomers(conn)
		c, err := customers.ByID(ctx, id)
		if err != nil {
			return err
		}
		if c.State != store.StateActive || c.ISPClientID == nil {
			return fail.Invalid("This customer is %s; only an active customer's values can be pushed back.", c.State)
		}
		var owner int64
		if c.ResellerID != nil {
			r, err := customers.ByID(ctx, *c.ResellerID)
			if err != nil {
				return err
			}
			if r.ISPClientID != nil {
				owner = *r.ISPClientID
			}
		}
		isp, err := s.ISP(c.PlatformID)
		if err != nil {
			return err
		}
		rec, err := isp.GetClient(ctx, *c.ISPClientID)
		if err != nil {
			return err
		}
		if int64(rec.ParentClientID) != owner {
			return fail.Invalid("ISPConfig's API can't change a client's reseller (client_update leaves it as it is): fix it in the panel, or forget the difference.")
		}
		plan, err := store.NewPlans(conn).ByID(ctx, c.PlanID)
		if err != nil {
			return err
		}
		l := ispLimits(plan)
		return s.updateClient(ctx, conn, isp, c, ispapi.ClientUpdate{Limits: &l})
	})
}

// OpenDrift lists the open differences, newest first, at most limit.
func (s *Service) OpenDrift(ctx context.Context, limit int) ([]store.DriftItem, error) {
	return store.NewDrift(s.pool).Open(ctx, limit)
}

// CheckAllDrift runs CheckDrift on every platform for the actor, audited per platform, and returns how many
// differences are open. It stops at the first platform that fails.
func (s *Service) CheckAllDrift(ctx context.Context, a Actor) (int, error) {
	n := 0
	for _, pid := range s.PlatformIDs() {
		open, err := s.CheckDrift(ctx, pid)
		if err != nil {
			s.audit(ctx, a, "drift.check", "platform", pid, store.OutcomeFailure, err.Error())
			return n, err
		}
		s.audit(ctx, a, "drift.check", "platform", pid, store.OutcomeSuccess, fmt.Sprintf("%d open", open))
		n += open
	}
	return n, nil
}

// ResolveDrift adopts a difference (adoptDrift) or forgets it (forgetDrift) for the actor, audited.
func (s *Service) ResolveDrift(ctx context.Context, a Actor, id int64, adopt bool) error {
	action, err := "drift.forget", error(nil)
	if adopt {
		action, err = "drift.adopt", s.adoptDrift(ctx, id)
	} else {
		err = s.forgetDrift(ctx, id)
	}
	if err != nil {
		s.audit(ctx, a, action, "drift", id, store.OutcomeFailure, err.Error())
		return err
	}
	s.audit(ctx, a, action, "drift", id, store.OutcomeSuccess, "")
	return nil
}
