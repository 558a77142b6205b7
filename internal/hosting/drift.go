package hosting

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/store"
)

// PushDrift resolves a difference found by the drift check the other way round from adopting: ISPConfig is made
// to match the portal's record, through the same lifecycle as any change (the owner's lock, the suspension rules,
// a verified write). Changed values are written back; a site, mail domain or domain-limit entry missing in
// ISPConfig is created there again (a mailbox can't be: the portal doesn't keep its password); an object only in
// ISPConfig is deleted there. A name (domain, address, source) can't be pushed back: ISPConfig's objects are found
// by it, so such a difference is adopted or forgotten. The item is closed as pushed once ISPConfig has it.
func (s *Service) PushDrift(ctx context.Context, a Actor, driftID int64) error {
	d, err := store.NewDrift(s.pool).ByID(ctx, driftID)
	if err != nil {
		return err
	}
	if d.Resolution != nil {
		return fail.Conflict("This difference is already resolved.")
	}
	switch {
	case d.Problem == store.DriftMissingLocally && d.CustomerID != nil && d.ISPID != nil:
		err = s.removeUpstream(ctx, a, d)
	case d.Problem == store.DriftMissingUpstream && d.Kind != store.KindCustomer && d.OurID != nil:
		spec, ok := kinds[d.Kind]
		if !ok || spec.recreate == nil {
			why := i18n.Msg(i18n.M("only sites, mail domains and domain-limit entries are created again"))
			if d.Kind == store.KindMailbox {
				why = i18n.Msg(i18n.M("a mailbox needs its password, which the portal doesn't keep"))
			}
			return fail.Conflict("ISPConfig can't get this back from the portal's record (%s): adopt the difference (the record goes) or forget it.", why)
		}
		err = s.change(ctx, a, d.Kind, *d.OurID, "drift.push", fmt.Sprintf("drift %d", d.ID), func(ctx context.Context, t target) error {
			id, err := spec.recreate(ctx, t)
			if err != nil {
				return err
			}
			return store.NewObjects(t.conn).SetISPID(ctx, d.Kind, t.ref.ID, id)
		})
	case d.Problem != store.DriftChanged || d.OurID == nil:
		return fail.Conflict("This difference can't be pushed back; adopt or forget it.")
	case d.Kind == store.KindCustomer:
		err = platformErr(s.ten.PushClient(ctx, *d.OurID))
		s.audit(ctx, a, "drift.push", store.KindCustomer, *d.OurID, err, fmt.Sprintf("drift %d", d.ID))
	default:
		spec, ok := kinds[d.Kind]
		if !ok || spec.push == nil {
			return fail.Conflict("This difference can't be pushed back.")
		}
		err = s.change(ctx, a, d.Kind, *d.OurID, "drift.push", fmt.Sprintf("drift %d", d.ID), spec.push)
	}
	if err != nil {
		return err
	}
	if _, err := store.NewDrift(s.pool).Resolve(context.WithoutCancel(ctx), driftID, "pushed"); err != nil {
		return err
	}
	return nil
}

// removeUpstream deletes in ISPConfig an object the portal doesn't have (the push side of "only in ISPConfig"),
// under its customer's lock and the suspension rules.
func (s *Service) removeUpstream(ctx context.Context, a Actor, d store.DriftItem) (err error) {
	defer func() {
		s.audit(ctx, a, "drift.push", d.Kind, 0, err, fmt.Sprintf("drift %d: delete ISPConfig id %d", d.ID, *d.ISPID))
	}()
	spec, ok := kinds[d.Kind]
	if !ok {
		return fail.Conflict("This difference can't be pushed back.")
	}
	err = s.ten.Locked(ctx, *d.CustomerID, func(conn *pgxpool.Conn) error {
		var o owner
		if err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var err error
			o, err = lockOwner(ctx, tx, *d.CustomerID)
			return err
		}); err != nil {
			return err
		}
		if err := s.reachable(o.client.PlatformID); err != nil {
			return err
		}
		isp, err := s.ten.ISP(o.client.PlatformID)
		if err != nil {
			return err
		}
		return spec.remove(ctx, isp, *d.ISPID)
	})
	return platformErr(err)
}

func recreateSite(ctx context.Context, t target) (int64, error) {
	site, err := store.NewSites(t.conn).ByID(ctx, t.ref.ID)
	if err != nil {
		return 0, err
	}
	site.Active = t.ref.Active && t.ref.PrevActive == nil
	return t.isp.AddWebDomain(ctx, *t.owner.client.ISPClientID, webDomainParams(t.owner.platform, site))
}

func recreateMailDomain(ctx context.Context, t target) (int64, error) {
	return t.isp.AddMailDomain(ctx, *t.owner.client.ISPClientID, ispapi.MailDomainParams{ServerID: t.owner.platform.MailServerID,
		Domain: t.ref.Key, Active: t.ref.Active && t.ref.PrevActive == nil, DKIMSelector: "default"})
}

func recreateDomain(ctx context.Context, t target) (int64, error) {
	return t.isp.AddDomain(ctx, *t.owner.client.ISPClientID, t.ref.Key)
}

// renamed refuses pushing a record whose name ISPConfig has changed.
func renamed(what, ours, theirs string) error {
	if strings.EqualFold(strings.TrimSpace(ours), strings.TrimSpace(theirs)) {
		return nil
	}
	return fail.Conflict("ISPConfig has %s as %q, the portal as %q; a name can't be pushed back: adopt or forget the difference.", i18n.Msg(what), theirs, ours)
}

func pushSite(ctx context.Context, t target) error {
	site, err := store.NewSites(t.conn).ByID(ctx, t.ref.ID)
	if err != nil {
		return err
	}
	cur, err := t.isp.GetWebDomain(ctx, *t.ref.ISPID)
	if err != nil {
		return err
	}
	if err := renamed(i18n.M("this site"), site.Domain, cur.Domain); err != nil {
		return err
	}
	q, tr := int64(site.QuotaMB), int64(site.TrafficMB)
	if err := t.isp.UpdateWebDomain(ctx, *t.ref.ISPID, ispapi.WebDomainUpdate{Resettable: cur.Resettable(), HDQuota: &q,
		TrafficQuota: &tr, SSL: &site.SSL, SSLLetsEncrypt: &site.LetsEncrypt, PHP: &site.PHPMode}); err != nil {
		return err
	}
	if want := t.ref.Active && t.ref.PrevActive == nil; bool(cur.Active) != want {
		return t.isp.SetWebDomainActive(ctx, *t.ref.ISPID, want)
	}
	return nil
}

func pushMailDomain(ctx context.Context, t target) error {
	d, err := store.NewMail(t.conn).Domain(ctx, t.ref.ID)
	if err != nil {
		return err
	}
	cur, err := t.isp.GetMailDomain(ctx, *t.ref.ISPID)
	if err != nil {
		return err
	}
	if err := renamed(i18n.M("this mail domain"), d.Domain, cur.Domain); err != nil {
		return err
	}
	if want := d.Active && d.PrevActive == nil; bool(cur.Active) != want {
		return t.isp.SetMailDomainActive(ctx, *t.ref.ISPID, want)
	}
	return nil
}

func pushMailbox(ctx context.Context, t target) error {
	m, err := store.NewMail(t.conn).Mailbox(ctx, t.ref.ID)
	if err != nil {
		return err
	}
	cur, err := t.isp.GetMailUser(ctx, *t.ref.ISPID)
	if err != nil {
		return err
	}
	if err := renamed(i18n.M("this mailbox"), m.Email, cur.Email); err != nil {
		return err
	}
	q, on := quotaBytes(m.QuotaMB), true
	return t.isp.UpdateMailUser(ctx, *t.ref.ISPID, ispapi.MailUserUpdate{Name: &m.Name, QuotaBytes: &q, Postfix: &on})
}

func pushForward(ctx context.Context, t target) error {
	f, err := store.NewMail(t.conn).Forward(ctx, t.ref.ID)
	if err != nil {
		return err
	}
	get, update := t.isp.GetMailForward, t.isp.UpdateMailForward
	switch f.Kind {
	case store.ForwardAlias:
		get, update = t.isp.GetMailAlias, t.isp.UpdateMailAlias
	case store.ForwardCatchall:
		get, update = t.isp.GetMailCatchall, t.isp.UpdateMailCatchall
	}
	cur, err := get(ctx, *t.ref.ISPID)
	if err != nil {
		return err
	}
	if err := renamed(thisForward(f.Kind), f.Source, cur.Source); err != nil {
		return err
	}
	return update(ctx, *t.ref.ISPID, ispapi.MailForwardingUpdate{Destination: &f.Destination, Active: &f.Active})
}

// pushDomain gives a domain-limit entry back to the client the portal records it for.
func pushDomain(ctx context.Context, t target) error {
	cur, err := t.isp.GetDomain(ctx, *t.ref.ISPID)
	if err != nil {
		return err
	}
	if err := renamed(i18n.M("this domain"), t.ref.Key, cur.Domain); err != nil {
		return err
	}
	return t.isp.MoveDomain(ctx, *t.ref.ISPID, *t.owner.client.ISPClientID)
}

// thisForward names an alias, forward or catch-all inside a sentence.
func thisForward(kind string) string {
	switch kind {
	case store.ForwardAlias:
		return i18n.M("this alias")
	case store.ForwardForward:
		return i18n.M("this forward")
	}
	return i18n.M("this catch-all")
}
