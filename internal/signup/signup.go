// Package signup runs public signup: a visitor picks one of a reseller's public plans (or one of the operator's
// own), gives name, email, password and the domain of the first site, accepts the terms, and confirms the address
// by a link. Then a durable river job creates the client through the tenancy service and the site through the
// hosting service, acting as the new client; the set-up page shows each step. A reseller may approve signups by
// hand instead. Abuse controls live in Postgres (shared by replicas): signups per IP, a honeypot field, a minimum
// fill time, an optional list of refused email domains; no answer tells whether an address is registered.
package signup

import (
	"bufio"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/linktoken"
	"portal/internal/mailer"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"
)

// ConfirmTTL is how long a signup's confirmation link works.
const ConfirmTTL = 24 * time.Hour

// Limits are the abuse controls.
type Limits struct {
	PerIP          int           // signups per hour from one IP (IPv6: per /64)
	ResendsPerHour int           // confirmation mails per hour for one signup
	MinFill        time.Duration // a form sent faster than this is a bot's
}

// Service runs signups.
type Service struct {
	pool     *pgxpool.Pool
	ten      *tenancy.Service
	host     *hosting.Service
	mail     *mailer.Service
	hasher   *auth.Hasher
	platform int64
	baseURL  string
	jobs     *river.Client[pgx.Tx]
	log      *slog.Logger

	Limits Limits
	// Blocked are email domains refused for signup (PORTAL_SIGNUP_BLOCKLIST_FILE), lower-case.
	Blocked map[string]bool
	// Payment, when set, makes signups to paid plans wait for their first invoice to be paid (billing).
	Payment Payment
}

// New returns a Service creating clients on platformID.
func New(pool *pgxpool.Pool, ten *tenancy.Service, host *hosting.Service, mail *mailer.Service, hasher *auth.Hasher,
	platformID int64, baseURL string, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{pool: pool, ten: ten, host: host, mail: mail, hasher: hasher, platform: platformID,
		baseURL: strings.TrimRight(baseURL, "/"), log: log,
		Limits: Limits{PerIP: 5, ResendsPerHour: 3, MinFill: 3 * time.Second}}
}

// LoadBlocklist reads refused email domains, one a line; # starts a comment.
func LoadBlocklist(file string) (map[string]bool, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		if d := strings.ToLower(strings.TrimSpace(line)); d != "" {
			out[strings.TrimPrefix(d, "@")] = true
		}
	}
	return out, sc.Err()
}

// SetJobs sets the river client set-up jobs are inserted with.
func (s *Service) SetJobs(c *river.Client[pgx.Tx]) { s.jobs = c }

// Page is a signup page as a visitor sees it.
type Page struct {
	Reseller  *store.Customer // nil: the operator's own page
	Owner     string          // the name the page is offered under
	Plans     []store.Plan
	Settings  store.SignupSettings
	Available bool        // false: nothing can be signed up for now
	Why       string      // for the owner's eyes; visitors see "not available"
	Brand     store.Brand // the look the page wears: the reseller's, or the operator's
}

// Queue is a signup page as its owner manages it: its public link, its settings and its latest signups.
type Queue struct {
	Link     string
	Settings store.SignupSettings
	Signups  []store.Signup
}

// QueueOf returns the signup page of owner (a reseller; nil: the operator's own): its link, its settings and its
// 200 latest signups. The caller has checked that the actor manages owner's page.
func (s *Service) QueueOf(ctx context.Context, owner *int64) (Queue, error) {
	st, err := store.NewSignups(s.pool).Settings(ctx, owner)
	if err != nil {
		return Queue{}, err
	}
	q := Queue{Link: s.baseURL + "/signup", Settings: st}
	if owner != nil {
		if st.Slug == "" {
			return Queue{}, store.ErrNotFound // no live reseller
		}
		q.Link += "/" + st.Slug
	}
	q.Signups, err = store.NewSignups(s.pool).OfOwner(ctx, owner, 200)
	return q, err
}

// PageFor returns the page of slug (a reseller's, migration 00023), or the operator's page for "".
func (s *Service) PageFor(ctx context.Context, slug string) (Page, error) {
	return s.page(ctx, s.pool, slug)
}

func (s *Service) page(ctx context.Context, db store.DBTX, slug string) (Page, error) {
	var p Page
	var resellerID *int64
	if slug != "" {
		r, err := store.NewCustomers(db).BySlug(ctx, slug)
		if err != nil {
			return p, err
		}
		p.Reseller, p.Owner, resellerID = &r, r.Name, &r.ID
	} else {
		p.Owner = s.mailFromName()
	}
	var err error
	if p.Brand, err = store.NewBrands(db).Shown(ctx, resellerID); err != nil {
		return p, err
	}
	if p.Reseller != nil {
		p.Owner = p.Brand.Name
	}
	if p.Settings, err = store.NewSignups(db).Settings(ctx, resellerID); err != nil {
		return p, err
	}
	if p.Plans, err = store.NewSignups(db).PublicPlans(ctx, resellerID); err != nil {
		return p, err
	}
	p.Available, p.Why = true, ""
	switch {
	case len(p.Plans) == 0:
		p.Available, p.Why = false, "no plan is marked public"
	case p.Reseller != nil && (p.Reseller.State != store.StateActive || p.Reseller.Suspended()):
		p.Available, p.Why = false, "the reseller is not active"
	case p.Reseller != nil:
		rp, err := store.NewPlans(db).ByID(ctx, p.Reseller.PlanID)
		if err != nil {
			return p, err
		}
		n, err := store.NewCustomers(db).CountClients(ctx, p.Reseller.ID)
		if err != nil {
			return p, err
		}
		if rp.MaxClients != store.Unlimited && n >= rp.MaxClients {
			p.Available, p.Why = false, fmt.Sprintf("the reseller's plan allows %d clients, and all are in use", rp.MaxClients)
		}
	}
	return p, nil
}

func (s *Service) mailFromName() string { return s.mail.FromName() }

// Form is what a visitor sent.
type Form struct {
	Name, Email, Password, PlanID, Domain string
	Terms                                 bool
	Honeypot                              string        // a field people never see; bots fill it
	Elapsed                               time.Duration // since the form was shown; 0 when it wasn't
	IP                                    string
}

// ErrIgnored is returned for a submission taken for a bot's: the caller answers as for a real one.
var ErrIgnored = errors.New("signup: ignored")

var errTooMany = fail.New(http.StatusTooManyRequests, "Too many signups from your network. Please try again in an hour.")

// Submit validates a signup and records it with its confirmation mail, or, when the address already has an
// account or a signup in progress, sends that address a note instead: the visitor sees the same answer either way.
func (s *Service) Submit(ctx context.Context, slug string, in Form) error {
	if in.Honeypot != "" || in.Elapsed < s.Limits.MinFill {
		s.audit(ctx, "signup.refused", in.IP, nil, store.OutcomeDenied, "looks automated (honeypot or fill time)")
		return ErrIgnored
	}
	f := fail.Fields{}
	name := strings.TrimSpace(in.Name)
	if name == "" || len(name) > 100 {
		f.Addf("name", "Enter your name (at most 100 characters).")
	}
	email, err := ispapi.NormalizeEmail(in.Email)
	if err != nil || len(email) > 254 {
		f.Addf("email", "Enter a valid email address.")
	} else if s.Blocked[email[strings.LastIndexByte(email, '@')+1:]] {
		f.Addf("email", "Signups with addresses of this email provider are not accepted. Please use another address.")
	}
	f.Add("password", auth.CheckNew(in.Password))
	domain, err := ispapi.NormalizeDomain(in.Domain)
	if err != nil || strings.Count(domain, ".") < 1 {
		f.Addf("domain", "Enter a domain name like example.com.")
	}
	if !in.Terms {
		f.Addf("terms", "Please accept the terms to sign up.")
	}
	planID, _ := strconv.ParseInt(in.PlanID, 10, 64)
	if planID <= 0 {
		f.Addf("plan_id", "Choose a plan.")
	}
	if err := f.Err(); err != nil {
		return err
	}
	hash, err := s.hasher.HashCtx(ctx, in.Password)
	if err != nil {
		return err
	}
	raw, tokenHash := linktoken.New()
	var id int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ok, err := store.RateHit(ctx, tx, "signup-ip:"+ipBucket(in.IP), s.Limits.PerIP, time.Hour)
		if err != nil {
			return err
		}
		if !ok {
			return errTooMany
		}
		p, err := s.page(ctx, tx, slug)
		if err != nil {
			return err
		}
		if !p.Available {
			return fail.Conflict("Signing up here is not available at the moment.")
		}
		var plan *store.Plan
		for i := range p.Plans {
			if p.Plans[i].ID == planID {
				plan = &p.Plans[i]
			}
		}
		if plan == nil {
			return fail.Field("plan_id", "Choose one of the plans.")
		}
		if plan.MaxSites == 0 {
			return fail.Field("plan_id", "This plan has no web site; choose another plan.")
		}
		taken, err := store.NewClaims(tx).Taken(ctx, domain)
		if err != nil {
			return err
		}
		var pending int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM signups WHERE lower(domain) = $1
			AND state IN ('unconfirmed', 'approval', 'setting_up') AND created_at > now() - interval '1 day'`, domain).Scan(&pending); err != nil {
			return err
		}
		if taken || pending > 0 {
			return fail.Field("domain", "%s is already hosted here. Choose another domain.", domain)
		}
		var resellerID *int64
		sender := ""
		if p.Reseller != nil {
			resellerID, sender = &p.Reseller.ID, p.Reseller.Name
		}
		// An address with an account, or with a signup on its way, gets a note; the visitor's answer is the same.
		var known int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM accounts WHERE lower(email) = $1) +
			(SELECT count(*) FROM signups WHERE lower(email) = $1 AND state IN ('unconfirmed', 'approval', 'setting_up'))`, email).Scan(&known); err != nil {
			return err
		}
		if known > 0 {
			_, err := s.mail.Enqueue(ctx, tx, mailer.Mail{Kind: "signup_known", To: email, FromName: sender,
				Compose: func(l i18n.Lang) (string, views.EmailBody) {
					return l.Text("Your signup"), views.EmailBody{Greeting: mailer.Greeting(l, ""), Lines: []string{
						l.Textf("Someone, hopefully you, tried to sign up for hosting with this address, %s. This address already has an account or a signup on its way, so nothing new was created.", email)},
						Link: s.baseURL + "/password/forgot", LinkLabel: l.Text("Forgot your password?"),
						After: []string{l.Text("If that was not you, you can ignore this message.")}}
				}})
			return err
		}
		username, err := s.username(ctx, tx, domain)
		if err != nil {
			return err
		}
		id, err = store.NewSignups(tx).Create(ctx, store.Signup{ResellerID: resellerID, PlanID: plan.ID, Name: name,
			Email: email, PasswordHash: hash, Domain: domain, Username: username, TermsVersion: p.Settings.TermsVersion,
			TermsIP: in.IP, TokenHash: tokenHash}, ConfirmTTL)
		if err != nil {
			return err
		}
		_, err = s.mail.Enqueue(ctx, tx, mailer.Mail{Kind: "signup_confirm", To: email, ToName: name, FromName: sender,
			Compose: func(l i18n.Lang) (string, views.EmailBody) {
				return l.Text("Confirm your signup"), views.EmailBody{Greeting: mailer.Greeting(l, name),
					Lines:     []string{l.Textf("Thank you for signing up for hosting (plan %s, web site %s). Please confirm your address to start setting it up.", plan.Name, domain)},
					Link:      s.baseURL + "/signup/confirm/" + raw,
					LinkLabel: l.Text("Confirm and set up"),
					After:     []string{l.Text("The link works once and for 24 hours. If you did not sign up, you can ignore this message.")}}
			}})
		return err
	})
	if err != nil {
		if errors.Is(err, errTooMany) {
			s.audit(ctx, "signup.refused", in.IP, nil, store.OutcomeDenied, "rate limit")
		}
		return err
	}
	if id != 0 {
		s.audit(ctx, "signup.create", in.IP, &id, store.OutcomeSuccess, domain)
	}
	return nil
}

// username derives a free hosting username from the domain.
func (s *Service) username(ctx context.Context, tx pgx.Tx, domain string) (string, error) {
	var b strings.Builder
	for _, r := range strings.Split(domain, ".")[0] {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	base := b.String()
	if base == "" || base[0] < 'a' || strings.HasPrefix(base, "web") {
		base = "c" + base
	}
	if len(base) > 20 {
		base = base[:20]
	}
	for i := 1; i < 1000; i++ {
		u := base
		if i > 1 {
			u = base + strconv.Itoa(i)
		}
		if ispapi.ValidateUsername(u) != nil {
			continue
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM customers WHERE platform_id = $2 AND lower(isp_username) = $1
			AND state <> 'deleted') + (SELECT count(*) FROM signups WHERE username = $1 AND state NOT IN ('rejected', 'failed'))`,
			u, s.platform).Scan(&n); err != nil {
			return "", err
		}
		if n == 0 {
			return u, nil
		}
	}
	return "", fail.Field("domain", "No hosting username is free for this domain; choose another domain.")
}

// Confirm confirms a signup's address by its link: it starts setting it up, or queues it for the reseller's
// approval. It returns the signup's id.
func (s *Service) Confirm(ctx context.Context, raw, ip string) (int64, error) {
	h, ok := linktoken.Hash(raw)
	if !ok {
		return 0, errInvalidLink
	}
	var sg store.Signup
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		sg, err = store.NewSignups(tx).Unconfirmed(ctx, h)
		if errors.Is(err, store.ErrNotFound) || (err == nil && subtle.ConstantTimeCompare(sg.TokenHash, h) != 1) {
			return errInvalidLink
		}
		if err != nil {
			return err
		}
		st, err := store.NewSignups(tx).Settings(ctx, sg.ResellerID)
		if err != nil {
			return err
		}
		if st.ManualApproval {
			if _, err := store.NewSignups(tx).SetState(ctx, sg.ID, store.SignupApproval, "", i18n.Keep("waiting for approval")); err != nil {
				return err
			}
			return s.notifyOwner(ctx, tx, sg, func(l i18n.Lang) (string, string) {
				return l.Text("A signup waits for your approval"),
					l.Textf("%s (%s) confirmed a signup for %s on plan %s. Approve or reject it under Signups.", sg.Name, sg.Email, sg.Domain, sg.PlanName)
			})
		}
		if err := s.start(ctx, tx, sg.ID); err != nil {
			return err
		}
		return s.notifyOwner(ctx, tx, sg, func(l i18n.Lang) (string, string) {
			return l.Textf("New signup: %s", sg.Domain),
				l.Textf("%s (%s) signed up for %s on plan %s. It is being set up now.", sg.Name, sg.Email, sg.Domain, sg.PlanName)
		})
	})
	if err != nil {
		return 0, err
	}
	s.audit(ctx, "signup.confirm", ip, &sg.ID, store.OutcomeSuccess, sg.Email)
	return sg.ID, nil
}

var errInvalidLink = fail.New(http.StatusNotFound, "This link is not valid any more: it was already used, or it has expired.")

// start moves a signup to setting up and queues its durable job, in tx.
func (s *Service) start(ctx context.Context, tx pgx.Tx, id int64) error {
	if _, err := store.NewSignups(tx).SetState(ctx, id, store.SignupSettingUp, "client", ""); err != nil {
		return err
	}
	if s.jobs == nil {
		return errors.New("signup: no job client configured")
	}
	_, err := s.jobs.InsertTx(ctx, tx, SetupArgs{ID: id}, nil)
	return err
}

// notifyOwner mails the reseller (or, for the operator's page, the operator's address) about a signup.
func (s *Service) notifyOwner(ctx context.Context, tx pgx.Tx, sg store.Signup, text func(l i18n.Lang) (subject, line string)) error {
	if sg.ResellerID == nil {
		return nil // the operator sees signups under Admin → Signups
	}
	a, err := store.NewAccounts(tx).ByCustomer(ctx, *sg.ResellerID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = s.mail.Enqueue(ctx, tx, mailer.Mail{Kind: "signup_notice", CustomerID: sg.ResellerID, To: a.Email, ToName: a.Name,
		Compose: func(l i18n.Lang) (string, views.EmailBody) {
			subject, line := text(l)
			return subject, views.EmailBody{Greeting: mailer.Greeting(l, a.Name), Lines: []string{line},
				Link: s.baseURL + "/reseller/signups", LinkLabel: l.Text("Open Signups")}
		}})
	return err
}

// Status returns a signup for its set-up page.
func (s *Service) Status(ctx context.Context, id int64) (store.Signup, error) {
	return store.NewSignups(s.pool).ByID(ctx, id)
}

// Look is the brand the pages of a signup to resellerID's link wear: the reseller's, or the operator's (nil).
func (s *Service) Look(ctx context.Context, resellerID *int64) (store.Brand, error) {
	return store.NewBrands(s.pool).Shown(ctx, resellerID)
}

// SlugLook is the brand the signup page at slug wears (a reseller's, migration 00023; "" for the operator's),
// without the page's plans and settings: the pages after a submit need only the look.
func (s *Service) SlugLook(ctx context.Context, slug string) (store.Brand, error) {
	return store.NewBrands(s.pool).ShownForSlug(ctx, slug)
}

// LinkLook is the brand of the confirmation page behind raw: its signup's reseller's; the operator's when the link
// is unknown or spent (the page then only says so).
func (s *Service) LinkLook(ctx context.Context, raw string) (store.Brand, error) {
	var reseller *int64
	if h, ok := linktoken.Hash(raw); ok {
		sg, err := store.NewSignups(s.pool).Unconfirmed(ctx, h)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return store.Brand{}, err
		}
		reseller = sg.ResellerID
	}
	return s.Look(ctx, reseller)
}

// Retry sends a failed signup through set-up again, as its visitor asks from the set-up page.
func (s *Service) Retry(ctx context.Context, id int64, ip string) error {
	err := s.retry(ctx, id)
	outcome := store.OutcomeSuccess
	if err != nil {
		outcome = store.OutcomeFailure
	}
	s.audit(ctx, "signup.retry", ip, &id, outcome, "")
	return err
}

func (s *Service) retry(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		sg, err := store.NewSignups(tx).Lock(ctx, id)
		if err != nil {
			return err
		}
		if sg.State != store.SignupFailed {
			return fail.Conflict("Only a failed signup can be tried again.")
		}
		if sg.CustomerID != nil {
			c, err := store.NewCustomers(tx).ByID(ctx, *sg.CustomerID)
			if err != nil {
				return err
			}
			if c.State == store.StateFailed {
				if _, err := store.NewCustomers(tx).SetState(ctx, c.ID, store.StatePending, i18n.Keep("retrying"), store.StateFailed); err != nil {
					return err
				}
			}
		}
		return s.start(ctx, tx, id)
	})
}

// Decision is what the owner of a signup page does with a signup in its queue.
type Decision string

// The decisions: approve one waiting for approval (its set-up starts), reject it, or retry a failed set-up.
const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
	Retry   Decision = "retry"
)

// Decide applies the decision of the actor, the owner of the signup's page (the caller's route checked that it
// manages signup id), and audits it as the actor's.
func (s *Service) Decide(ctx context.Context, a tenancy.Actor, id int64, d Decision) error {
	var err error
	switch d {
	case Approve, Reject:
		err = s.decide(ctx, id, d == Approve)
	case Retry:
		err = s.retry(ctx, id)
	default:
		err = fail.Invalid("Approve, reject or retry.")
	}
	s.auditAs(ctx, a, "signup."+string(d), "signup", id, err, "")
	return err
}

func (s *Service) decide(ctx context.Context, id int64, approve bool) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		sg, err := store.NewSignups(tx).Lock(ctx, id)
		if err != nil {
			return err
		}
		if sg.State != store.SignupApproval {
			return fail.Conflict("This signup is not waiting for approval (it is %s).", i18n.Msg(strings.ReplaceAll(sg.State, "_", " ")))
		}
		if approve {
			return s.start(ctx, tx, id)
		}
		_, err = store.NewSignups(tx).SetState(ctx, id, store.SignupRejected, "", i18n.Keep("rejected"))
		if err != nil {
			return err
		}
		_, err = s.mail.Enqueue(ctx, tx, mailer.Mail{Kind: "signup_rejected", CustomerID: sg.ResellerID, To: sg.Email, ToName: sg.Name,
			Compose: func(l i18n.Lang) (string, views.EmailBody) {
				return l.Text("Your signup"), views.EmailBody{Greeting: mailer.Greeting(l, sg.Name),
					Lines: []string{l.Textf("We are sorry: your signup for %s was not accepted.", sg.Domain)}}
			}})
		return err
	})
}

// SaveSettings stores the settings of owner's signup page (a reseller's; nil: the operator's), which the actor
// manages (the caller resolved owner from the actor), and audits it.
func (s *Service) SaveSettings(ctx context.Context, a tenancy.Actor, owner *int64, manualApproval bool, termsText, termsVersion string) error {
	termsVersion = strings.TrimSpace(termsVersion)
	if termsVersion == "" || len(termsVersion) > 40 || len(termsText) > 20000 {
		return fail.Invalid("Give the terms a version of at most 40 characters, and at most 20,000 characters of text.")
	}
	err := store.NewSignups(s.pool).SaveSettings(ctx, store.SignupSettings{ResellerID: owner, ManualApproval: manualApproval,
		TermsText: termsText, TermsVersion: termsVersion})
	s.auditAs(ctx, a, "signup.settings", "signup_settings", 0, err, fmt.Sprintf("manual=%v terms v%s", manualApproval, termsVersion))
	return err
}

// SetPlanPublic offers a client plan on its owner's signup page, or stops offering it; the caller's route checked
// that the actor manages plan id. Audited.
func (s *Service) SetPlanPublic(ctx context.Context, a tenancy.Actor, planID int64, public bool) error {
	plan, err := store.NewPlans(s.pool).ByID(ctx, planID)
	if err != nil {
		return err
	}
	if plan.Audience != store.RoleClient {
		return fail.Invalid("Only plans for clients can be offered on a signup page.")
	}
	err = store.NewSignups(s.pool).SetPlanPublic(ctx, planID, public)
	s.auditAs(ctx, a, "plan.public", "plan", planID, err, strconv.FormatBool(public))
	return err
}

// auditAs appends an entry for something the actor did, succeeded unless err.
func (s *Service) auditAs(ctx context.Context, a tenancy.Actor, action, objType string, id int64, err error, detail string) {
	outcome := store.OutcomeSuccess
	if err != nil {
		outcome, detail = store.OutcomeFailure, strings.TrimSpace(detail+" "+err.Error())
	}
	if err := store.NewAuditLog(s.pool).Append(context.WithoutCancel(ctx), a.Entry(action, objType, id, outcome, detail)); err != nil {
		s.log.ErrorContext(ctx, "audit append failed", "err", err, "action", action)
	}
}

func (s *Service) audit(ctx context.Context, action, ip string, id *int64, outcome, detail string) {
	e := store.AuditEntry{Action: action, ObjectType: "signup", IP: ip, Outcome: outcome, Detail: detail}
	if id != nil {
		e.ObjectID = strconv.FormatInt(*id, 10)
	}
	if err := store.NewAuditLog(s.pool).Append(context.WithoutCancel(ctx), e); err != nil {
		s.log.ErrorContext(ctx, "audit append failed", "err", err, "action", action)
	}
}

// ipBucket is the rate-limit key of an IP: the address, or its /64 for IPv6.
func ipBucket(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// ResendConfirmation sends an unconfirmed signup of email a new confirmation link (the previous one stops
// working), at most ResendsPerHour an hour per address. The answer is the same when no signup waits for the
// address, and so is the limit.
func (s *Service) ResendConfirmation(ctx context.Context, email, ip string) error {
	norm, err := ispapi.NormalizeEmail(email)
	if err != nil || len(norm) > 254 {
		return fail.Field("email", "Enter a valid email address.")
	}
	raw, hash := linktoken.New()
	var id int64
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		ok, err := store.RateHit(ctx, tx, "signup-resend:"+norm, s.Limits.ResendsPerHour, time.Hour)
		if err != nil {
			return err
		}
		if !ok {
			return fail.New(http.StatusTooManyRequests, "The confirmation was sent several times already. Please wait an hour.")
		}
		var sg store.Signup
		err = tx.QueryRow(ctx, `UPDATE signups SET token_hash = $2, token_expires_at = now() + $3::interval, updated_at = now()
			WHERE id = (SELECT id FROM signups WHERE lower(email) = $1 AND state = 'unconfirmed' ORDER BY id DESC LIMIT 1)
			RETURNING id, reseller_id, name, domain`, norm, hash, ConfirmTTL.String()).Scan(&sg.ID, &sg.ResellerID, &sg.Name, &sg.Domain)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		id = sg.ID
		sender := ""
		if sg.ResellerID != nil {
			r, err := store.NewCustomers(tx).ByID(ctx, *sg.ResellerID)
			if err != nil {
				return err
			}
			sender = r.Name
		}
		_, err = s.mail.Enqueue(ctx, tx, mailer.Mail{Kind: "signup_confirm", To: norm, ToName: sg.Name, FromName: sender,
			Compose: func(l i18n.Lang) (string, views.EmailBody) {
				return l.Text("Confirm your signup"), views.EmailBody{Greeting: mailer.Greeting(l, sg.Name),
					Lines:     []string{l.Textf("Here is a new link to confirm your signup for %s. Earlier links no longer work.", sg.Domain)},
					Link:      s.baseURL + "/signup/confirm/" + raw,
					LinkLabel: l.Text("Confirm and set up"),
					After:     []string{l.Text("The link works once and for 24 hours.")}}
			}})
		return err
	})
	if err == nil && id != 0 {
		s.audit(ctx, "signup.resend", ip, &id, store.OutcomeSuccess, "")
	}
	return err
}
