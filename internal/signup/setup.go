package signup

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/i18n"
	"portal/internal/mailer"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"

	"github.com/jackc/pgx/v5"
)

// SetupArgs is the durable job that sets a confirmed signup up: the client, then its site.
type SetupArgs struct {
	ID int64 `json:"signup_id"`
}

// Kind names the job.
func (SetupArgs) Kind() string { return "signup_setup" }

type setupWorker struct {
	river.WorkerDefaults[SetupArgs]
	s *Service
}

func (w *setupWorker) Work(ctx context.Context, j *river.Job[SetupArgs]) error {
	err := w.s.Setup(ctx, j.Args.ID)
	if errors.Is(err, errNotYet) && j.Attempt >= j.MaxAttempts {
		_, _ = store.NewSignups(w.s.pool).SetState(context.WithoutCancel(ctx), j.Args.ID, store.SignupFailed, "", i18n.Keep("the hosting platform did not finish in time"), store.SignupSettingUp)
	}
	return err
}

// NextRetry: set-up waits for the platform in short steps (2 s doubling, at most 5 min).
func (w *setupWorker) NextRetry(j *river.Job[SetupArgs]) time.Time {
	d := 2 * time.Second
	for i := 1; i < j.Attempt && d < 5*time.Minute; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, 5*time.Minute))
}

// AddWorkers registers the set-up worker (pass it to tenancy.NewJobs).
func (s *Service) AddWorkers(w *river.Workers) { river.AddWorker(w, &setupWorker{s: s}) }

// errNotYet: the platform has not finished a step; the job tries again.
var errNotYet = errors.New("signup: waiting for the hosting platform")

// Setup runs the next steps of a signup being set up. Every step is idempotent: the client is found again by its
// username before one is created, and the site is recorded on the signup once made. A refusal the visitor can't
// fix by waiting fails the signup with the reason (the visitor and the reseller see it and may retry); an
// unreachable platform returns an error so the job tries again.
func (s *Service) Setup(ctx context.Context, id int64) error {
	sg, err := store.NewSignups(s.pool).ByID(ctx, id)
	if err != nil || sg.State != store.SignupSettingUp {
		return err
	}
	// failWith fails the signup with msg, a message kept with i18n.Keep: the visitor and the reseller read it in
	// their language, the audit log (the operator's record) in English.
	failWith := func(step, msg string) error {
		_, err := store.NewSignups(s.pool).SetState(ctx, id, store.SignupFailed, step, msg, store.SignupSettingUp)
		s.audit(ctx, "signup.setup", "", &id, store.OutcomeFailure, step+": "+i18n.Kept(msg).In(i18n.En))
		return err
	}
	// Step 1: the client.
	if sg.CustomerID == nil {
		var existing int64
		err := s.pool.QueryRow(ctx, `SELECT c.id FROM customers c JOIN accounts a ON a.customer_id = c.id
			WHERE c.platform_id = $1 AND lower(c.isp_username) = $2 AND lower(a.email) = $3 AND c.state <> 'deleted'`,
			s.platform, sg.Username, sg.Email).Scan(&existing)
		switch {
		case err == nil: // our own earlier attempt
		case errors.Is(err, pgx.ErrNoRows):
			hold := false
			if s.Payment != nil {
				if hold, err = s.Payment.PlanPaid(ctx, sg.PlanID); err != nil {
					return err
				}
			}
			c, cerr := s.ten.Create(ctx, tenancy.NewCustomer{Kind: store.RoleClient, ResellerID: sg.ResellerID,
				PlatformID: s.platform, PlanID: sg.PlanID, Name: sg.Name, Email: sg.Email, Username: sg.Username,
				PasswordHash: sg.PasswordHash, Hold: hold})
			if fe, ok := fail.As(cerr); ok {
				return failWith("client", fe.Text().Keep())
			}
			if cerr != nil {
				return cerr
			}
			existing = c.ID
		default:
			return err
		}
		if err := store.NewSignups(s.pool).SetCustomer(ctx, id, existing); err != nil {
			return err
		}
		sg.CustomerID = &existing
	}
	c, err := store.NewCustomers(s.pool).ByID(ctx, *sg.CustomerID)
	if err != nil {
		return err
	}
	// A paid plan: the first invoice is issued once, and provisioning waits until it is paid (InvoicePaid
	// starts this job again).
	if c.State == store.StatePending && s.Payment != nil {
		wait, err := s.Payment.AwaitSignupPayment(ctx, c.ID)
		if fe, ok := fail.As(err); ok {
			return failWith("payment", fe.Text().Keep())
		}
		if err != nil {
			return err
		}
		if wait {
			_, err := store.NewSignups(s.pool).SetState(ctx, id, store.SignupSettingUp, "payment",
				i18n.Keep("Waiting for the payment of your first invoice; set-up continues as soon as it is paid."), store.SignupSettingUp)
			return err
		}
	}
	switch c.State {
	case store.StatePending:
		_, _ = store.NewSignups(s.pool).SetState(ctx, id, store.SignupSettingUp, "client", i18n.Keep("waiting for the hosting platform: %s", i18n.Kept(c.StateDetail)), store.SignupSettingUp)
		if err := s.ten.Provision(ctx, c.ID); err != nil && !errors.Is(err, tenancy.ErrWaiting) {
			if fe, ok := fail.As(err); ok {
				return failWith("client", fe.Text().Keep())
			}
		}
		if c, err = store.NewCustomers(s.pool).ByID(ctx, c.ID); err != nil {
			return err
		}
		if c.State == store.StatePending {
			return errNotYet
		}
	}
	if c.State != store.StateActive {
		return failWith("client", i18n.Keep("the hosting account could not be set up: %s", i18n.Kept(c.StateDetail)))
	}
	// Step 2: the site, created by the hosting service acting as the new client.
	if sg.SiteID == nil {
		if _, err := store.NewSignups(s.pool).SetState(ctx, id, store.SignupSettingUp, "site", "", store.SignupSettingUp); err != nil {
			return err
		}
		acct, err := store.NewAccounts(s.pool).ByCustomer(ctx, c.ID)
		if err != nil {
			return err
		}
		plan, err := store.NewPlans(s.pool).ByID(ctx, c.PlanID)
		if err != nil {
			return err
		}
		quota := 1000
		if plan.SiteQuotaMB > 0 && plan.SiteQuotaMB < quota {
			quota = plan.SiteQuotaMB
		}
		siteID, err := s.host.CreateSite(ctx, hosting.Actor{Acting: acct, Effective: acct}, hosting.NewSite{
			Domain: sg.Domain, Active: true,
			SiteSettings: hosting.SiteSettings{PHP: s.host.Settings().PHPModes[0], QuotaMB: strconv.Itoa(quota), TrafficMB: "-1"}})
		if siteID > 0 {
			if err := store.NewSignups(s.pool).SetSite(ctx, id, siteID); err != nil {
				return err
			}
		}
		if err != nil && siteID == 0 {
			if fe, ok := fail.As(err); ok && fe.Status != 502 {
				return failWith("site", fe.Text().Keep())
			}
			return err
		}
		sg.SiteID = &siteID
	}
	site, err := store.NewSites(s.pool).ByID(ctx, *sg.SiteID)
	if err != nil {
		return err
	}
	if site.State == store.StatePending {
		return errNotYet // the settle job decides; this job looks again
	}
	if site.State != store.StateActive {
		return failWith("site", i18n.Keep("the website could not be set up: %s", i18n.Kept(site.StateDetail)))
	}
	// Ready: welcome mail with the access details, in the transaction that says so.
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ok, err := store.NewSignups(tx).SetState(ctx, id, store.SignupReady, "done", "", store.SignupSettingUp)
		if err != nil || !ok {
			return err
		}
		_, err = s.mail.Enqueue(ctx, tx, mailer.Mail{Kind: "welcome", CustomerID: &c.ID, To: sg.Email, ToName: sg.Name,
			Compose: func(l i18n.Lang) (string, views.EmailBody) {
				return l.Textf("Welcome: %s is set up", sg.Domain), views.EmailBody{Greeting: mailer.Greeting(l, sg.Name),
					Lines: []string{l.Text("Your hosting account is ready."),
						l.Textf("Sign in to the portal with %s and the password you chose at signup.", sg.Email),
						l.Textf("Your web site %s is set up (hosting username %s, plan %s).", sg.Domain, sg.Username, sg.PlanName)},
					Link: s.baseURL + "/login", LinkLabel: l.Text("Sign in")}
			}})
		if err != nil {
			return err
		}
		s.audit(ctx, "signup.setup", "", &id, store.OutcomeSuccess, "ready")
		return nil
	})
}

// Payment is billing's part in a signup to a paid plan.
type Payment interface {
	// PlanPaid reports whether a plan has a price (its signups wait for their first invoice to be paid).
	PlanPaid(ctx context.Context, planID int64) (bool, error)
	// AwaitSignupPayment issues the new customer's first invoice (once) and reports whether it is still unpaid.
	AwaitSignupPayment(ctx context.Context, customerID int64) (bool, error)
}

// InvoicePaid continues, in tx, the set-up of the signup whose first invoice was just paid: billing calls it in
// the transaction that records the payment, so the set-up job exists exactly when the payment does.
func (s *Service) InvoicePaid(ctx context.Context, tx pgx.Tx, inv store.Invoice) error {
	if inv.Purpose != "signup" {
		return nil
	}
	var id int64
	err := tx.QueryRow(ctx, `SELECT id FROM signups WHERE customer_id = $1 AND state = 'setting_up' AND step = 'payment'
		ORDER BY id DESC LIMIT 1`, inv.CustomerID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := store.NewSignups(tx).SetState(ctx, id, store.SignupSettingUp, "client", "", store.SignupSettingUp); err != nil {
		return err
	}
	if s.jobs == nil {
		return errors.New("signup: no job client configured")
	}
	_, err = s.jobs.InsertTx(ctx, tx, SetupArgs{ID: id}, nil)
	return err
}
