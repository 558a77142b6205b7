package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/access"
	"portal/internal/auth"
	"portal/internal/billing"
	"portal/internal/billing/stripepay"
	"portal/internal/factors"
	"portal/internal/gctune"
	"portal/internal/handlers"
	"portal/internal/hosting"
	"portal/internal/ispapi"
	"portal/internal/ispapi/ispsim"
	"portal/internal/mailer"
	"portal/internal/secret"
	"portal/internal/signup"
	"portal/internal/store"
	"portal/internal/tenancy"
)

// portalFunctions is the remote_functions value the portal's ISPConfig remote user needs (API.md §7); the embedded
// simulator grants exactly this, so a missing permission shows up in development too.
const portalFunctions = "client_get_all,client_get,client_add,client_update,client_delete,client_get_sites_by_user," +
	"client_get_by_username,client_get_by_customer_no,client_change_password,client_get_id,client_delete_everything," +
	"client_get_emailcontact;domains_domain_get,domains_domain_add,domains_domain_update,domains_domain_delete," +
	"domains_get_all_by_user;quota_get_by_user,trafficquota_get_by_user,mailquota_get_by_user,databasequota_get_by_user;" +
	"sites_web_domain_get,sites_web_domain_add,sites_web_domain_update," +
	"sites_web_domain_delete,sites_web_domain_set_status;mail_domain_get,mail_domain_add,mail_domain_update," +
	"mail_domain_delete,mail_domain_set_status,mail_domain_get_by_domain;mail_user_get,mail_user_add," +
	"mail_user_update,mail_user_delete;mail_alias_get,mail_alias_add,mail_alias_update,mail_alias_delete;" +
	"mail_forward_get,mail_forward_add,mail_forward_update,mail_forward_delete;mail_catchall_get," +
	"mail_catchall_add,mail_catchall_update,mail_catchall_delete;monitor_jobqueue_count"

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// serve runs the portal until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := configFromEnv(getenv)
	if err == nil {
		err = cfg.forServe()
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	// The collector's pace (internal/gctune): GOGC=400 unless set, and a soft memory limit that leaves room for the
	// password hashes running at once (each takes PORTAL_ARGON2_MEMORY_KIB) plus 256 MiB, unless GOMEMLIMIT is set.
	gogc, memLimit := gctune.Apply(getenv, int64(cfg.Argon2MemoryKiB)*1024*int64(cfg.Argon2Concurrency)+256<<20)
	log.Info("garbage collector", "gogc", gogc, "memory_limit_mib", memLimit>>20)

	pool, err := openDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := store.Migrate(ctx, pool); err != nil {
		return err
	}
	if missing, err := store.MissingIndexes(ctx, pool); err != nil {
		return err
	} else if len(missing) > 0 {
		log.Warn("optional indexes are missing: client searches read every client of a list", "indexes", missing,
			"fix", "CREATE EXTENSION pg_trgm as the database's owner, then run migrations/00026_customer_search_index.sql's index statement")
	}
	hasher := auth.NewHasher(cfg.Argon2MemoryKiB)
	if cfg.DemoAdmin {
		if err := ensureDemoAdmin(ctx, pool, hasher, stdout); err != nil {
			return err
		}
	}

	metrics := handlers.NewMetrics()
	metrics.WatchBacklogs(func(ctx context.Context) (store.Backlogs, error) { return store.ReadBacklogs(ctx, pool) })
	health := &handlers.PlatformHealth{}
	isp, stopISP, err := openISPConfig(ctx, cfg, log, func(fn string, d time.Duration, err error) {
		metrics.ObserveISP(fn, d, err)
		health.Observe(fn, d, err)
	})
	if err != nil {
		return err
	}
	defer stopISP()

	// The platform configured by PORTAL_ISPCONFIG_* (or the embedded simulator) is seeded at every start; platforms
	// admins add live in the platforms table with their passwords sealed under PORTAL_SECRET_KEY.
	platform, err := store.NewPlatforms(pool).Ensure(ctx, store.Platform{Name: "default", Endpoint: cfg.ISPConfigURL,
		WebServerID: int64(cfg.ISPWebServerID), MailServerID: int64(cfg.ISPMailServerID), RemoteUser: cfg.ISPConfigUser,
		TLSVerify: cfg.ISPConfigTLSVerify})
	if err != nil {
		return err
	}
	health.Root = platform.ID
	ten := tenancy.New(pool, map[int64]tenancy.ISP{platform.ID: isp}, log)
	var box *secret.Box
	if cfg.SecretKey != nil {
		if box, err = secret.NewBox(cfg.SecretKey); err != nil {
			return fmt.Errorf("PORTAL_SECRET_KEY: %w", err)
		}
	}
	dialed := &dialedClients{}
	defer dialed.close()
	ten.SetPlatforms(func(p store.Platform, password string) (tenancy.ISP, error) {
		ph := health.For(p.ID)
		c, err := dialPlatform(p, password, log, func(fn string, d time.Duration, err error) {
			metrics.ObserveISP(fn, d, err)
			if p.ID != 0 {
				ph.Observe(fn, d, err)
			}
		})
		if err == nil && p.ID != 0 {
			dialed.add(c)
		}
		return c, err
	}, box)
	if err := ten.Reload(ctx); err != nil {
		return err
	}
	go probeEvery(ctx, ten, 30*time.Second) // keeps the health flags current when nobody calls ISPConfig
	ten.DriftEvery = cfg.DriftEvery
	ten.QueueEvery = cfg.QueueEvery
	ten.UsageEvery = cfg.UsageEvery
	host := hosting.New(pool, ten, hosting.Settings{DomainLimit: cfg.DomainLimit,
		DomainLimitSubdomains: cfg.DomainLimitSubdomains, PHPModes: cfg.PHPModes}, log)
	ten.SettleStale = host.SettleStale
	host.Down = func(id int64) bool { return health.For(id).Down() }
	mail, err := mailer.New(pool, mailer.Config{SMTP: cfg.SMTP, From: cfg.MailFrom, BaseURL: cfg.BaseURL}, log)
	if err != nil {
		return err
	}
	if cfg.SMTP.Off {
		log.Warn("PORTAL_SMTP_URL=off: email is kept in the outbox (Admin → Outbox) and not sent")
	}
	signups := signup.New(pool, ten, host, mail, hasher, platform.ID, cfg.BaseURL, log)
	if cfg.SignupBlocklistFile != "" {
		if signups.Blocked, err = signup.LoadBlocklist(cfg.SignupBlocklistFile); err != nil {
			return fmt.Errorf("PORTAL_SIGNUP_BLOCKLIST_FILE: %w", err)
		}
	}
	bill := billing.New(pool, ten, mail, cfg.BaseURL, log)
	bill.RunEvery = cfg.BillingEvery
	ten.PlanChange = bill.OnPlanChange
	ten.Created = bill.OnCreate       // every customer has a subscription from its creation
	bill.OnPaid = signups.InvoicePaid // a paid plan's signup is set up once its first invoice is paid
	signups.Payment = bill
	jobs, err := tenancy.NewJobs(pool, ten, log, host.AddWorkers, mail.AddWorkers, signups.AddWorkers, bill.AddWorkers)
	if err != nil {
		return err
	}
	mail.SetJobs(jobs)
	signups.SetJobs(jobs)
	bill.SetJobs(jobs)
	bill.AddPeriodic(jobs)
	acc := access.New(pool, mail, hasher, cfg.BaseURL, log)
	ten.Invite = acc.InviteTx
	ten.Hasher = hasher // limited to PORTAL_ARGON2_CONCURRENCY at once by handlers.New
	ten.SuspensionNotice = acc.SuspensionNoticeTx
	fac := factors.New(pool, box, mail, cfg.BaseURL, log)
	if n, err := fac.SealPlainTOTP(ctx); err != nil {
		return fmt.Errorf("sealing TOTP secrets: %w", err)
	} else if n > 0 {
		log.Info("sealed TOTP secrets stored in the clear", "accounts", n)
	}
	if box == nil {
		log.Warn("PORTAL_SECRET_KEY is not set: authenticator apps (TOTP) can't be set up, and platforms can't be added")
	}
	if !fac.PasskeysAvailable() {
		log.Warn("passkeys are unavailable: PORTAL_BASE_URL must name a host, not an IP address", "base_url", cfg.BaseURL)
	}
	if err := jobs.Start(ctx); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		_ = jobs.Stop(sctx)
	}()

	sessions, stopSessions := handlers.NewSessions(pool, cfg.SessionIdle, cfg.SessionMaxAge, cfg.CookieSecure, 5*time.Minute)
	defer stopSessions()

	// Stripe payments land in the billing ledger, in the transaction that stores their event.
	payments := stripepay.New(pool, bill, stripepay.Invoices(bill), stripepay.Config{Box: box, BaseURL: cfg.BaseURL, Log: log})
	bill.PayOnline = payments.Available // "pay now" only for issuers that take Stripe payments

	h := handlers.New(handlers.Options{
		Log: log, Pool: pool, ISP: isp, Sessions: sessions, Hasher: hasher, Metrics: metrics,
		Health: health, LoginMaxFailures: cfg.LoginMaxFailures, LoginLockout: cfg.LoginLockout,
		LoginRatePerIP: cfg.LoginRatePerIP, LoginRatePerAccount: cfg.LoginRatePerEmail,
		HashConcurrency: cfg.Argon2Concurrency, HSTS: cfg.CookieSecure, RequireTOTP: requiredRoles(cfg.RequireTOTP),
		TrustedProxies: cfg.TrustedProxies, Tenancy: ten, Hosting: host, Mail: mail, Access: acc, Signup: signups, Factors: fac, Payments: payments, Billing: bill, BaseURL: cfg.BaseURL, Platform: platform,
		Settings: handlers.Settings{ImpersonateFor: cfg.ImpersonateFor, DomainLimit: cfg.DomainLimit,
			DomainLimitSubdomains: cfg.DomainLimitSubdomains, PHPModes: cfg.PHPModes},
	})
	srv := &http.Server{
		Addr: cfg.Listen, Handler: h.Routes(),
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
		IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	servers := []*http.Server{srv}
	if cfg.MetricsListen != "" {
		servers = append(servers, &http.Server{Addr: cfg.MetricsListen, Handler: metrics.Handler(), ReadHeaderTimeout: 10 * time.Second})
	}
	errc := make(chan error, len(servers))
	for _, s := range servers {
		ln, err := net.Listen("tcp", s.Addr)
		if err != nil {
			return fmt.Errorf("listen %s: %w", s.Addr, err)
		}
		go func() {
			if err := s.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	log.Info("portal listening", "addr", "http://"+cfg.Listen, "metrics", cfg.MetricsListen)
	fmt.Fprintf(stdout, "portal: serving on http://%s\n", cfg.Listen)

	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	for _, s := range servers {
		if err := s.Shutdown(sctx); err != nil {
			log.Warn("shutdown", "err", err)
		}
	}
	return nil
}

// openISPConfig returns the client for the configured ISPConfig, or for an in-process simulator when none is
// configured. The returned func logs out and stops the simulator.
func openISPConfig(ctx context.Context, cfg Config, log *slog.Logger, observe func(string, time.Duration, error)) (*ispapi.Client, func(), error) {
	url, user, pass := cfg.ISPConfigURL, cfg.ISPConfigUser, cfg.ISPConfigPassword
	stopSim := func() {}
	if url == "" {
		sim := ispsim.New()
		user, pass = "portal", generatePassword()
		sim.AddRemoteUser(user, pass, portalFunctions)
		saveSim := func() {}
		if f := cfg.SimStateFile; f != "" {
			if err := loadSimState(sim, f); err != nil {
				return nil, nil, err
			}
			saveSim = func() {
				if err := saveSimState(sim, f); err != nil {
					log.Error("save simulator state", "err", err, "file", f)
				}
			}
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("ispconfig simulator: %w", err)
		}
		srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		stopSim = func() { _ = srv.Close(); saveSim() }
		url = "http://" + ln.Addr().String() + "/remote/json.php"
		log.Warn("PORTAL_ISPCONFIG_SIM=true: using the in-process ISPConfig SIMULATOR, not a real panel; for development only", "url", url, "state_file", cfg.SimStateFile)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	if !cfg.ISPConfigTLSVerify {
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // opted in by PORTAL_ISPCONFIG_TLS_VERIFY=false
	}
	c, err := ispapi.New(ispapi.Config{URL: url, Username: user, Password: pass, HTTPClient: hc, Observe: observe, Logger: log})
	if err != nil {
		stopSim()
		return nil, nil, err
	}
	return c, func() {
		lctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = c.Close(lctx)
		stopSim()
	}, nil
}

// ensureDemoAdmin creates admin@example.com with a generated password when no admin exists yet, and prints the
// sign-in details once (the password is stored only as a hash).
func ensureDemoAdmin(ctx context.Context, pool *pgxpool.Pool, h *auth.Hasher, stdout io.Writer) error {
	n, err := store.NewAccounts(pool).Count(ctx, store.RoleAdmin)
	if err != nil || n > 0 {
		return err
	}
	password := generatePassword()
	acct, err := createAdmin(ctx, pool, h, "admin@example.com", "Demo admin", password, "demo start-up")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\n  Demo admin created. Sign in with:\n    email:    %s\n    password: %s\n  (shown once; `portal admin create` makes more)\n\n", acct.Email, password)
	return nil
}

// loadSimState restores the embedded simulator's data saved by an earlier run, if there is any.
func loadSimState(sim *ispsim.Sim, file string) error {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("PORTAL_ISPCONFIG_SIM_STATE: %w", err)
	}
	defer f.Close()
	if err := sim.Load(f); err != nil {
		return fmt.Errorf("PORTAL_ISPCONFIG_SIM_STATE %s: %w", file, err)
	}
	return nil
}

// saveSimState writes the simulator's data atomically (temp file, then rename).
func saveSimState(sim *ispsim.Sim, file string) error {
	tmp := file + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if err := sim.Save(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// probeEvery asks every platform for one cheap read every interval until ctx ends; the outcome reaches its health
// flag through the client's observe hook.
func probeEvery(ctx context.Context, ten *tenancy.Service, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for _, id := range ten.PlatformIDs() {
				isp, err := ten.ISP(id)
				if err != nil {
					continue
				}
				pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				_ = isp.Probe(pctx)
				cancel()
			}
		}
	}
}

// dialPlatform builds the ISPConfig client of a platform an admin added.
func dialPlatform(p store.Platform, password string, log *slog.Logger, observe func(string, time.Duration, error)) (*ispapi.Client, error) {
	hc := &http.Client{Timeout: 30 * time.Second}
	if !p.TLSVerify {
		hc.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // the admin unticked "verify" for this platform
	}
	return ispapi.New(ispapi.Config{URL: p.Endpoint, Username: p.RemoteUser, Password: password, HTTPClient: hc,
		Observe: observe, Logger: log.With("platform", p.Name)})
}

// dialedClients are the clients of added platforms, logged out at shutdown.
type dialedClients struct {
	mu   sync.Mutex
	list []*ispapi.Client
}

func (d *dialedClients) add(c *ispapi.Client) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.list = append(d.list, c)
}

func (d *dialedClients) close() {
	d.mu.Lock()
	defer d.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, c := range d.list {
		_ = c.Close(ctx)
	}
}

func requiredRoles(names []string) []store.Role {
	var out []store.Role
	for _, n := range names {
		out = append(out, store.Role(n))
	}
	return out
}
