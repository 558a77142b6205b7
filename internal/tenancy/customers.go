package tenancy

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/store"
)

// NewCustomer is a validated request to create a reseller or a client.
type NewCustomer struct {
	Kind         store.Role // RoleReseller or RoleClient
	ResellerID   *int64     // for a reseller's client; nil for the operator's
	PlatformID   int64      // 0: the reseller's platform for a reseller's client, else the default platform
	PlanID       int64
	Name         string
	Company      string
	Email        string // the sign-in, and the ISPConfig contact address
	Username     string // the ISPConfig username
	PasswordHash string // the portal sign-in's argon2id hash; ignored with Invite
	// Invite: the owner chooses the password through an emailed invitation (Service.Invite) instead.
	Invite bool
	// Hold records the customer (pending, with its sign-in) without provisioning it: a signup to a paid plan waits
	// for its first invoice to be paid, then calls Provision.
	Hold bool
}

// Create records a pending customer with its sign-in and a durable provisioning job, then provisions it in
// ISPConfig at once. The returned customer shows the outcome: active, pending (the job will finish it) or failed.
// Limits: a reseller's plan caps its number of clients; the reseller row is locked while counting.
func (s *Service) Create(ctx context.Context, in NewCustomer) (store.Customer, error) {
	var created store.Customer
	var errs fail.Fields
	if in.Name, in.Company, in.Email, errs = CheckContact(in.Kind, in.Name, in.Company, in.Email); errs != nil {
		return created, errs.Err()
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		plan, err := store.NewPlans(tx).ByID(ctx, in.PlanID)
		if err != nil {
			return err
		}
		if plan.Audience != in.Kind {
			who := i18n.Msg(i18n.M("clients"))
			if in.Kind == store.RoleReseller {
				who = i18n.Msg(i18n.M("resellers"))
			}
			return fail.Invalid("That plan is not for %s.", who)
		}
		if in.ResellerID != nil {
			r, err := store.NewCustomers(tx).Lock(ctx, *in.ResellerID)
			if err != nil {
				return err
			}
			if r.Kind != store.RoleReseller || r.State != store.StateActive {
				return fail.Invalid("The reseller is not active.")
			}
			if r.Suspended() {
				return fail.Forbidden("The reseller is suspended: it can't take new clients until it is unsuspended.")
			}
			if plan.ResellerID == nil || *plan.ResellerID != r.ID {
				return fail.Invalid("That plan is not one of the reseller's plans.")
			}
			rp, err := store.NewPlans(tx).ByID(ctx, r.PlanID)
			if err != nil {
				return err
			}
			n, err := store.NewCustomers(tx).CountClients(ctx, r.ID)
			if err != nil {
				return err
			}
			if rp.MaxClients != store.Unlimited && n >= rp.MaxClients {
				return fail.Invalid("The reseller's plan allows %d clients, and all are in use.", rp.MaxClients)
			}
			// A reseller's clients live on its platform: their ISPConfig records sit under the reseller's.
			if in.PlatformID != 0 && in.PlatformID != r.PlatformID {
				return fail.Invalid("A reseller's clients live on the reseller's platform.")
			}
			in.PlatformID = r.PlatformID
		} else if plan.ResellerID != nil {
			return fail.Invalid("That plan belongs to a reseller.")
		}
		if in.PlatformID == 0 {
			p, err := store.NewPlatforms(tx).Default(ctx)
			if errors.Is(err, store.ErrNotFound) {
				return fail.Invalid("No platform is marked as the default for new customers.")
			} else if err != nil {
				return err
			}
			in.PlatformID = p.ID
		}
		c, err := store.NewCustomers(tx).Create(ctx, store.Customer{
			Kind: in.Kind, ResellerID: in.ResellerID, PlatformID: in.PlatformID, PlanID: in.PlanID,
			Name: in.Name, Company: in.Company, Email: in.Email, ISPUsername: in.Username,
		})
		if errors.Is(err, store.ErrConflict) {
			return fail.Invalid("The username %q is already taken.", in.Username)
		}
		if err != nil {
			return err
		}
		hash := in.PasswordHash
		if in.Invite {
			hash = store.NoPassword
		}
		acct, err := store.NewAccounts(tx).CreateForCustomer(ctx, in.Email, in.Name, in.Kind, hash, c.ID)
		if err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fail.Invalid("An account with the email %s already exists.", in.Email)
			}
			return err
		}
		if in.Invite {
			if s.Invite == nil {
				return errors.New("tenancy: invitations are not configured")
			}
			if err := s.Invite(ctx, tx, acct); err != nil {
				return err
			}
		}
		if s.Created != nil {
			if err := s.Created(ctx, tx, c); err != nil {
				return err
			}
		}
		created = c
		if in.Hold {
			return nil
		}
		return s.enqueue(ctx, tx, ProvisionArgs{CustomerID: c.ID})
	})
	if err != nil {
		return store.Customer{}, err
	}
	if in.Hold {
		return created, nil
	}
	if err := s.Provision(ctx, created.ID); err != nil && !errors.Is(err, ErrWaiting) {
		s.log.WarnContext(ctx, "provision now failed; the job will retry", "customer_id", created.ID, "err", err)
	}
	return store.NewCustomers(s.pool).ByID(ctx, created.ID)
}

// Provision makes a pending customer exist in ISPConfig and activates it. It is idempotent: it looks the username
// up first and adopts the client its own earlier attempt created. A refusal by ISPConfig fails the customer (nothing
// exists upstream); an unreachable ISPConfig returns ErrWaiting and leaves it pending for the job.
func (s *Service) Provision(ctx context.Context, id int64) error {
	return s.withCustomerLock(ctx, id, func(db *pgxpool.Conn) error {
		customers := store.NewCustomers(db)
		c, err := customers.ByID(ctx, id)
		if err != nil || c.State != store.StatePending {
			return err
		}
		isp, err := s.ISP(c.PlatformID)
		if err != nil {
			return err
		}
		var resellerISP int64
		if c.ResellerID != nil {
			r, err := customers.ByID(ctx, *c.ResellerID)
			if err != nil {
				return err
			}
			if r.State != store.StateActive || r.ISPClientID == nil {
				_ = customers.SetDetail(ctx, id, i18n.Keep("waiting for the reseller to be set up"))
				return fmt.Errorf("%w: reseller %d not active", ErrWaiting, r.ID)
			}
			resellerISP = *r.ISPClientID
		}

		ispID, err := s.findOrAdd(ctx, db, isp, c, resellerISP)
		if err != nil {
			return err
		}
		group, err := isp.ClientGroupID(ctx, ispID)
		if err != nil {
			_ = customers.SetDetail(ctx, id, describe(err))
			return fmt.Errorf("%w: %v", ErrWaiting, err)
		}
		ok, err := customers.SetProvisioned(ctx, id, ispID, group)
		if err != nil {
			return err
		}
		if !ok {
			// Deleted while we were creating it: undo, so ISPConfig keeps no orphan.
			return isp.DeleteClient(ctx, ispID)
		}
		return nil
	})
}

// findOrAdd returns the ISPConfig client id of c, creating it when it does not exist yet.
func (s *Service) findOrAdd(ctx context.Context, db store.DBTX, isp ISP, c store.Customer, resellerISP int64) (int64, error) {
	customers := store.NewCustomers(db)
	marker, err := s.customerNo(ctx, db, c.ID)
	if err != nil {
		return 0, err
	}
	existing, err := isp.ClientByUsername(ctx, c.ISPUsername)
	switch {
	case err == nil && s.ownMarker(ctx, db, c, existing.CustomerNo, marker):
		return int64(existing.ID), nil // our own earlier attempt
	case err == nil:
		_, _ = customers.SetState(ctx, c.ID, store.StateFailed, i18n.Keep("the username is already used on the hosting platform by someone else"), store.StatePending)
		return 0, fail.Conflict("The username is already used on the hosting platform by someone else.")
	case !errors.Is(err, ispapi.ErrNotFound):
		_ = customers.SetDetail(ctx, c.ID, describe(err))
		return 0, fmt.Errorf("%w: %v", ErrWaiting, err)
	}
	plan, err := store.NewPlans(db).ByID(ctx, c.PlanID)
	if err != nil {
		return 0, err
	}
	platform, err := store.NewPlatforms(db).ByID(ctx, c.PlatformID)
	if err != nil {
		return 0, err
	}
	p := clientParams(c, plan, platform, marker)
	var id int64
	if c.Kind == store.RoleReseller {
		id, err = isp.AddReseller(ctx, p)
	} else {
		id, err = isp.AddClient(ctx, resellerISP, p)
	}
	var me *ispapi.MismatchError
	if errors.As(err, &me) && me.ID > 0 {
		// Written, but not as sent: undo it rather than keep a client that differs from the plan.
		if derr := isp.DeleteClient(ctx, me.ID); derr != nil {
			_ = customers.SetDetail(ctx, c.ID, describe(derr))
			return 0, fmt.Errorf("%w: undo mismatched client: %v", ErrWaiting, derr)
		}
	}
	if err != nil {
		if permanent(err) {
			_, _ = customers.SetState(ctx, c.ID, store.StateFailed, describe(err), store.StatePending)
			return 0, fail.Platform("The client could not be set up (%s).", i18n.Kept(describe(err)))
		}
		_ = customers.SetDetail(ctx, c.ID, describe(err))
		return 0, fmt.Errorf("%w: %v", ErrWaiting, err)
	}
	return id, nil
}

// clientParams is every field client_add needs, chosen by the portal (ISPConfig applies no defaults).
func clientParams(c store.Customer, plan store.Plan, platform store.Platform, marker string) ispapi.ClientParams {
	return ispapi.ClientParams{
		CompanyName: c.Company, ContactName: c.Name, CustomerNo: marker, Username: c.ISPUsername,
		Password: panelPassword(), Language: "en", UserTheme: "default", Email: c.Email,
		WebPHPOptions: "no,php-fpm", SSHChroot: "no,jailkit",
		Servers: ispapi.ClientServers{
			DefaultWeb: platform.WebServerID, Web: fmt.Sprint(platform.WebServerID),
			DefaultMail: platform.MailServerID, Mail: fmt.Sprint(platform.MailServerID),
		},
		Limits: ispLimits(plan),
	}
}

// ispLimits mirrors a plan's limits into ISPConfig's limit columns, so the panel shows the same numbers. ISPConfig
// does not enforce them; the portal does.
func ispLimits(p store.Plan) ispapi.ClientLimits {
	l := ispapi.ClientLimits{
		WebDomain: int64(p.MaxSites), MailDomain: int64(p.MaxMailDomains), Mailbox: int64(p.MaxMailboxes),
		MailQuota: int64(p.MaxMailQuotaMB), MailAlias: int64(p.MaxMailAliases), MailForward: int64(p.MaxMailAliases),
		MailCatchall: int64(p.MaxMailDomains), WebQuota: store.Unlimited, TrafficQuota: store.Unlimited,
		SSL: true, SSLLetsEncrypt: true,
	}
	if p.Audience == store.RoleReseller {
		l.Client = int64(p.MaxClients)
		l.DomainModule = int64(p.MaxDomains)
	}
	return l
}

// Retry sends a failed customer through provisioning again.
func (s *Service) Retry(ctx context.Context, id int64) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ok, err := store.NewCustomers(tx).SetState(ctx, id, store.StatePending, i18n.Keep("retrying"), store.StateFailed)
		if err != nil {
			return err
		}
		if !ok {
			return fail.Invalid("Only a failed customer can be retried.")
		}
		return s.enqueue(ctx, tx, ProvisionArgs{CustomerID: id})
	})
	if err != nil {
		return err
	}
	if err := s.Provision(ctx, id); err != nil && !errors.Is(err, ErrWaiting) {
		s.log.WarnContext(ctx, "retry provision failed", "customer_id", id, "err", err)
	}
	return nil
}
