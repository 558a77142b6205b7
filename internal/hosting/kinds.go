package hosting

import (
	"context"
	"fmt"
	"strings"

	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// kindSpec is what the shared lifecycle needs to know about a kind of object beyond one request: how ISPConfig
// finds one by its natural key (exactly, among the client's own objects: ISPConfig's filters match with LIKE),
// how it removes one, and which of its refusals mean "it already exists".
type kindSpec struct {
	duplicate []string // ISPConfig validation keys meaning the object already exists
	// find returns the ISPConfig id of the client's object with natural key key, 0 when it has none.
	find func(ctx context.Context, isp tenancy.ISP, c store.Customer, key string) (int64, error)
	// remove deletes the object in ISPConfig; deleting what is already gone is not an error.
	remove func(ctx context.Context, isp tenancy.ISP, id int64) error
	// setActive switches the object on or off in ISPConfig; nil when a suspension doesn't touch the kind.
	setActive func(ctx context.Context, isp tenancy.ISP, id int64, active bool) error
	// refresh records what ISPConfig has for an object after a change whose answer was lost; nil when the kind
	// has no changeable settings. While a suspension has switched the object off (ref.PrevActive set), its
	// active flag is the suspension's and is left alone.
	refresh func(ctx context.Context, db store.DBTX, isp tenancy.ISP, ref store.ObjectRef) error
	// push writes the portal's record of every field the drift check compares back to ISPConfig (drift.go).
	push func(ctx context.Context, t target) error
	// recreate adds the object to ISPConfig again from the portal's record and returns its new id; nil when that
	// is impossible (drift.go).
	recreate func(ctx context.Context, t target) (int64, error)
}

func (k kindSpec) isDuplicate(ve *ispapi.ValidationError) bool {
	for _, key := range k.duplicate {
		if ve.Has(key) {
			return true
		}
	}
	return false
}

var kinds = map[store.Kind]kindSpec{
	store.KindSite: {
		push:      pushSite,
		recreate:  recreateSite,
		duplicate: []string{"domain_error_unique"},
		find: func(ctx context.Context, isp tenancy.ISP, c store.Customer, key string) (int64, error) {
			list, err := isp.WebDomainsByClient(ctx, *c.ISPClientID)
			return findIn(list, err, func(w ispapi.WebDomain) (int64, bool) { return int64(w.ID), strings.EqualFold(w.Domain, key) })
		},
		remove: func(ctx context.Context, isp tenancy.ISP, id int64) error { return isp.DeleteWebDomain(ctx, id) },
		setActive: func(ctx context.Context, isp tenancy.ISP, id int64, on bool) error {
			return isp.SetWebDomainActive(ctx, id, on)
		},
		refresh: func(ctx context.Context, db store.DBTX, isp tenancy.ISP, ref store.ObjectRef) error {
			id, ispID := ref.ID, *ref.ISPID
			w, err := isp.GetWebDomain(ctx, ispID)
			if err != nil {
				return err
			}
			sites := store.NewSites(db)
			if err := sites.SetSettings(ctx, store.Site{ID: id, PHPMode: w.PHP, SSL: bool(w.SSL), LetsEncrypt: bool(w.SSLLetsEncrypt),
				QuotaMB: int(w.HDQuota), TrafficMB: int(w.TrafficQuota)}); err != nil {
				return err
			}
			if ref.PrevActive != nil {
				return nil
			}
			return sites.SetActive(ctx, id, bool(w.Active))
		},
	},
	store.KindDomain: {
		push:      pushDomain,
		recreate:  recreateDomain,
		duplicate: []string{"domain_error_unique"},
		find: func(ctx context.Context, isp tenancy.ISP, c store.Customer, key string) (int64, error) {
			list, err := isp.DomainsByClient(ctx, *c.ISPClientID)
			return findIn(list, err, func(d ispapi.Domain) (int64, bool) { return int64(d.ID), strings.EqualFold(d.Domain, key) })
		},
		remove: func(ctx context.Context, isp tenancy.ISP, id int64) error { return isp.DeleteDomain(ctx, id) },
	},
	store.KindMailDomain: {
		push:      pushMailDomain,
		recreate:  recreateMailDomain,
		duplicate: []string{"domain_error_unique"},
		find: func(ctx context.Context, isp tenancy.ISP, c store.Customer, key string) (int64, error) {
			list, err := isp.MailDomainsByClient(ctx, *c.ISPClientID)
			return findIn(list, err, func(d ispapi.MailDomain) (int64, bool) { return int64(d.ID), strings.EqualFold(d.Domain, key) })
		},
		remove: func(ctx context.Context, isp tenancy.ISP, id int64) error { return isp.DeleteMailDomain(ctx, id) },
		setActive: func(ctx context.Context, isp tenancy.ISP, id int64, on bool) error {
			return isp.SetMailDomainActive(ctx, id, on)
		},
		refresh: func(ctx context.Context, db store.DBTX, isp tenancy.ISP, ref store.ObjectRef) error {
			id, ispID := ref.ID, *ref.ISPID
			d, err := isp.GetMailDomain(ctx, ispID)
			if err != nil {
				return err
			}
			if ref.PrevActive != nil {
				return nil
			}
			return store.NewMail(db).SetActive(ctx, store.KindMailDomain, id, bool(d.Active))
		},
	},
	store.KindMailbox: {
		push:      pushMailbox,
		duplicate: []string{"email_error_unique", "login_error_unique", ispapi.KeyMailboxExists},
		find: func(ctx context.Context, isp tenancy.ISP, c store.Customer, key string) (int64, error) {
			list, err := isp.MailUsersByClient(ctx, *c.ISPClientID)
			return findIn(list, err, func(m ispapi.MailUser) (int64, bool) { return int64(m.ID), strings.EqualFold(m.Email, key) })
		},
		remove: func(ctx context.Context, isp tenancy.ISP, id int64) error { return isp.DeleteMailUser(ctx, id) },
		refresh: func(ctx context.Context, db store.DBTX, isp tenancy.ISP, ref store.ObjectRef) error {
			id, ispID := ref.ID, *ref.ISPID
			m, err := isp.GetMailUser(ctx, ispID)
			if err != nil {
				return err
			}
			if _, err := db.Exec(ctx, `UPDATE mailboxes SET name = $2, updated_at = now() WHERE id = $1`, id, m.Name); err != nil {
				return err
			}
			return store.NewMail(db).SetMailboxQuota(ctx, id, int(int64(m.QuotaBytes)/(1<<20)))
		},
	},
	store.KindMailForward: {
		push: pushForward,
		find: func(ctx context.Context, isp tenancy.ISP, c store.Customer, key string) (int64, error) {
			kind, rest, _ := strings.Cut(key, "|")
			source, dest, _ := strings.Cut(rest, "|")
			var list []ispapi.MailForwarding
			var err error
			switch kind {
			case store.ForwardAlias:
				list, err = isp.MailAliasesByClient(ctx, *c.ISPClientID)
			case store.ForwardForward:
				list, err = isp.MailForwardsByClient(ctx, *c.ISPClientID)
			default:
				list, err = isp.MailCatchallsByClient(ctx, *c.ISPClientID)
			}
			return findIn(list, err, func(f ispapi.MailForwarding) (int64, bool) {
				return int64(f.ID), strings.EqualFold(f.Source, source) && sameList(f.Destination, dest)
			})
		},
		remove: func(ctx context.Context, isp tenancy.ISP, id int64) error {
			// Aliases, forwards and catch-alls are rows of one ISPConfig table; any of the three delete functions
			// removes one.
			return isp.DeleteMailForward(ctx, id)
		},
		refresh: func(ctx context.Context, db store.DBTX, isp tenancy.ISP, ref store.ObjectRef) error {
			id, ispID := ref.ID, *ref.ISPID
			f, err := store.NewMail(db).Forward(ctx, id)
			if err != nil {
				return err
			}
			get := map[string]func(context.Context, int64) (ispapi.MailForwarding, error){
				store.ForwardAlias: isp.GetMailAlias, store.ForwardForward: isp.GetMailForward, store.ForwardCatchall: isp.GetMailCatchall,
			}[f.Kind]
			live, err := get(ctx, ispID)
			if err != nil {
				return err
			}
			return store.NewMail(db).SetActive(ctx, store.KindMailForward, id, bool(live.Active))
		},
	},
}

// findIn returns the id of the first element match accepts, 0 when none does.
func findIn[T any](list []T, err error, match func(T) (int64, bool)) (int64, error) {
	if err != nil {
		return 0, err
	}
	for _, x := range list {
		if id, ok := match(x); ok {
			return id, nil
		}
	}
	return 0, nil
}

// sameList compares two address lists as ISPConfig stores them: case-insensitive, blanks after commas ignored.
func sameList(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ", ", ",")) }
	return norm(a) == norm(b)
}

// ObjectOps gives whole-customer operations (suspension and deletion in internal/tenancy) the kinds' own
// descriptions, so there is one place that knows how each kind is removed, switched and found.
func (s *Service) ObjectOps() tenancy.ObjectOps { return objectOps{} }

type objectOps struct{}

func (objectOps) Remove(ctx context.Context, isp tenancy.ISP, kind store.Kind, id int64) error {
	spec, ok := kinds[kind]
	if !ok {
		return fmt.Errorf("hosting: remove unknown kind %q", kind)
	}
	return spec.remove(ctx, isp, id)
}

func (objectOps) SetActive(ctx context.Context, isp tenancy.ISP, kind store.Kind, id int64, active bool) error {
	spec, ok := kinds[kind]
	if !ok || spec.setActive == nil {
		return fmt.Errorf("hosting: %q can't be switched on or off", kind)
	}
	return spec.setActive(ctx, isp, id, active)
}

func (objectOps) Find(ctx context.Context, isp tenancy.ISP, c store.Customer, kind store.Kind, key string) (int64, error) {
	spec, ok := kinds[kind]
	if !ok {
		return 0, fmt.Errorf("hosting: find unknown kind %q", kind)
	}
	return spec.find(ctx, isp, c, key)
}
