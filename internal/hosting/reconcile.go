package hosting

import (
	"context"
	"maps"

	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// ISPConfig's client_update runs its lock routine on every update of a client, not only when "locked" changes:
// for an unlocked client it switches every site, mail domain, mailbox and forward back on (except those it
// remembered at its last lock), and for a locked one it overwrites what it remembered with "all off". Reconcile
// puts the switches back to the portal's record afterwards, reading each kind once per client and writing only
// what differs.

// switchable is one kind's on/off state as ISPConfig lists it for a client, and how to set one object's.
type switchable struct {
	kind store.Kind
	list func(ctx context.Context, isp tenancy.ISP, clientID int64) (map[int64]bool, error)
	// set switches object o (the portal's row, with its ISPConfig id) to o.Active.
	set func(ctx context.Context, db store.DBTX, isp tenancy.ISP, o store.ObjectRef) error
}

var switchables = []switchable{
	{kind: store.KindSite,
		list: func(ctx context.Context, isp tenancy.ISP, cid int64) (map[int64]bool, error) {
			l, err := isp.WebDomainsByClient(ctx, cid)
			return states(l, err, func(w ispapi.WebDomain) (int64, bool) { return int64(w.ID), bool(w.Active) })
		},
		set: func(ctx context.Context, _ store.DBTX, isp tenancy.ISP, o store.ObjectRef) error {
			return isp.SetWebDomainActive(ctx, *o.ISPID, o.Active)
		}},
	{kind: store.KindMailDomain,
		list: func(ctx context.Context, isp tenancy.ISP, cid int64) (map[int64]bool, error) {
			l, err := isp.MailDomainsByClient(ctx, cid)
			return states(l, err, func(d ispapi.MailDomain) (int64, bool) { return int64(d.ID), bool(d.Active) })
		},
		set: func(ctx context.Context, _ store.DBTX, isp tenancy.ISP, o store.ObjectRef) error {
			return isp.SetMailDomainActive(ctx, *o.ISPID, o.Active)
		}},
	{kind: store.KindMailbox, // on: receives (postfix) and may send (SMTP not disabled), as the portal creates them
		list: func(ctx context.Context, isp tenancy.ISP, cid int64) (map[int64]bool, error) {
			l, err := isp.MailUsersByClient(ctx, cid)
			return states(l, err, func(m ispapi.MailUser) (int64, bool) { return int64(m.ID), bool(m.Postfix) && !bool(m.DisableSMTP) })
		},
		set: func(ctx context.Context, _ store.DBTX, isp tenancy.ISP, o store.ObjectRef) error {
			on, off := o.Active, !o.Active
			return isp.UpdateMailUser(ctx, *o.ISPID, ispapi.MailUserUpdate{Postfix: &on, DisableSMTP: &off})
		}},
	{kind: store.KindMailForward, // aliases, forwards and catch-alls: one ISPConfig table, three function families
		list: func(ctx context.Context, isp tenancy.ISP, cid int64) (map[int64]bool, error) {
			out := map[int64]bool{}
			for _, byClient := range []func(context.Context, int64) ([]ispapi.MailForwarding, error){
				isp.MailAliasesByClient, isp.MailForwardsByClient, isp.MailCatchallsByClient} {
				l, err := byClient(ctx, cid)
				m, err := states(l, err, func(f ispapi.MailForwarding) (int64, bool) { return int64(f.ID), bool(f.Active) })
				if err != nil {
					return nil, err
				}
				maps.Copy(out, m)
			}
			return out, nil
		},
		set: func(ctx context.Context, db store.DBTX, isp tenancy.ISP, o store.ObjectRef) error {
			f, err := store.NewMail(db).Forward(ctx, o.ID)
			if err != nil {
				return err
			}
			update := map[string]func(context.Context, int64, ispapi.MailForwardingUpdate) error{
				store.ForwardAlias: isp.UpdateMailAlias, store.ForwardForward: isp.UpdateMailForward, store.ForwardCatchall: isp.UpdateMailCatchall,
			}[f.Kind]
			return update(ctx, *o.ISPID, ispapi.MailForwardingUpdate{Active: &o.Active})
		}},
}

func states[T any](list []T, err error, f func(T) (int64, bool)) (map[int64]bool, error) {
	if err != nil {
		return nil, err
	}
	out := make(map[int64]bool, len(list))
	for _, x := range list {
		id, on := f(x)
		out[id] = on
	}
	return out, nil
}

// Reconcile switches c's objects in ISPConfig to the portal's record of them: on or off as the customer left
// them. Only objects that exist on both sides and differ are written.
func (objectOps) Reconcile(ctx context.Context, db store.DBTX, isp tenancy.ISP, c store.Customer) error {
	if c.ISPClientID == nil {
		return nil
	}
	objects := store.NewObjects(db)
	for _, sw := range switchables {
		ours, err := objects.Of(ctx, c.ID, sw.kind)
		if err != nil {
			return err
		}
		if len(ours) == 0 {
			continue
		}
		theirs, err := sw.list(ctx, isp, *c.ISPClientID)
		if err != nil {
			return err
		}
		for _, o := range ours {
			if o.ISPID == nil || o.State != store.StateActive {
				continue
			}
			on, ok := theirs[*o.ISPID]
			if !ok || on == o.Active {
				continue
			}
			if err := sw.set(ctx, db, isp, o); err != nil {
				return err
			}
			if err := objects.Written(ctx, sw.kind, o.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
