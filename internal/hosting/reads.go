package hosting

import (
	"context"

	"portal/internal/store"
)

// Sites lists a page of the sites the actor may see (its scope, in SQL).
func (s *Service) Sites(ctx context.Context, a Actor, f store.ListFilter) ([]store.Site, store.Paging, error) {
	return store.NewSites(s.pool).List(ctx, a.Scope(), f)
}

// Domains lists a page of the domain-limit entries the actor may see.
func (s *Service) Domains(ctx context.Context, a Actor, f store.ListFilter) ([]store.Domain, store.Paging, error) {
	return store.NewDomains(s.pool).List(ctx, a.Scope(), f)
}

// MailDomains lists a page of the mail domains the actor may see.
func (s *Service) MailDomains(ctx context.Context, a Actor, f store.MailDomainFilter) ([]store.MailDomain, store.Paging, error) {
	return store.NewMail(s.pool).ListDomains(ctx, a.Scope(), f)
}

// The records below are read by id once the caller resolved that the actor may open it (the routes' ownership
// check, store.Resolve): they check nothing themselves.

// Site returns a site.
func (s *Service) Site(ctx context.Context, id int64) (store.Site, error) {
	return store.NewSites(s.pool).ByID(ctx, id)
}

// SiteDetail returns a site with its platform's addresses and hosts and its last measured usage, in one statement.
func (s *Service) SiteDetail(ctx context.Context, id int64) (store.SiteDetail, error) {
	return store.NewSites(s.pool).Detail(ctx, id)
}

// Domain returns a domain-limit entry.
func (s *Service) Domain(ctx context.Context, id int64) (store.Domain, error) {
	return store.NewDomains(s.pool).ByID(ctx, id)
}

// MailDomain returns a mail domain.
func (s *Service) MailDomain(ctx context.Context, id int64) (store.MailDomain, error) {
	return store.NewMail(s.pool).Domain(ctx, id)
}

// Mailbox returns a mailbox.
func (s *Service) Mailbox(ctx context.Context, id int64) (store.Mailbox, error) {
	return store.NewMail(s.pool).Mailbox(ctx, id)
}

// Forward returns an alias, forward or catch-all.
func (s *Service) Forward(ctx context.Context, id int64) (store.MailForward, error) {
	return store.NewMail(s.pool).Forward(ctx, id)
}

// MailDomainView is a mail domain's page: the domain with its platform's mail hosts and records and its DKIM key,
// its mailboxes, its aliases, forwards and catch-all, and the customer's active mailboxes, which a forward may
// point to.
type MailDomainView struct {
	store.MailDomainDetail
	MailboxList  []store.Mailbox     // (MailDomain's Mailboxes and Forwards are their counts)
	ForwardList  []store.MailForward // aliases, forwards and the catch-all
	Destinations []store.Mailbox
}

// MailDomainView returns mail domain id's page, in four statements.
func (s *Service) MailDomainView(ctx context.Context, id int64) (MailDomainView, error) {
	mail := store.NewMail(s.pool)
	var v MailDomainView
	var err error
	if v.MailDomainDetail, err = mail.DomainDetail(ctx, id); err != nil {
		return v, err
	}
	if v.MailboxList, err = mail.Mailboxes(ctx, id); err != nil {
		return v, err
	}
	if v.ForwardList, err = mail.Forwards(ctx, id); err != nil {
		return v, err
	}
	all, err := mail.CustomerMailboxes(ctx, v.CustomerID)
	if err != nil {
		return v, err
	}
	for _, m := range all {
		if m.State == store.StateActive {
			v.Destinations = append(v.Destinations, m)
		}
	}
	return v, nil
}
