package tenancy

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"portal/internal/fail"
	"portal/internal/ispapi"
	"portal/internal/secret"
	"portal/internal/store"
)

// PasswordContext binds a platform's sealed password to that platform: a value copied to another row doesn't open.
func PasswordContext(name string) string { return "platform:" + name }

// Dialer builds the ISPConfig seam of a platform from its row and its remote user's password (serve builds an
// ispapi.Client with the platform's TLS setting, metrics and health hooks).
type Dialer func(p store.Platform, password string) (ISP, error)

// SetPlatforms configures where the seams of platforms added by admins come from: dial builds one, box opens
// stored passwords (nil when PORTAL_SECRET_KEY is not set: platforms can't be added then).
func (s *Service) SetPlatforms(dial Dialer, box *secret.Box) {
	s.platMu.Lock()
	defer s.platMu.Unlock()
	s.dial, s.box = dial, box
}

// CanAddPlatforms reports whether platforms can be added (a secret key and a dialer are configured).
func (s *Service) CanAddPlatforms() bool {
	s.platMu.RLock()
	defer s.platMu.RUnlock()
	return s.dial != nil && s.box != nil
}

// Reload reads the platforms table and adds a seam for every platform that has none yet (the seeded platform's
// seam is given to New). A platform whose password can't be opened is logged and left out.
func (s *Service) Reload(ctx context.Context) error {
	list, err := store.NewPlatforms(s.pool).List(ctx)
	if err != nil {
		return err
	}
	s.platMu.RLock()
	dial, box := s.dial, s.box
	s.platMu.RUnlock()
	for _, p := range list {
		if _, err := s.ISP(p.ID); err == nil || p.Seeded {
			continue
		}
		if dial == nil || box == nil {
			s.log.WarnContext(ctx, "platform not loaded: PORTAL_SECRET_KEY is not set", "platform", p.Name)
			continue
		}
		pw, err := box.Open(p.PasswordEnc, PasswordContext(p.Name))
		if err != nil {
			s.log.ErrorContext(ctx, "platform not loaded", "platform", p.Name, "err", err)
			continue
		}
		isp, err := dial(p, pw)
		if err != nil {
			s.log.ErrorContext(ctx, "platform not loaded", "platform", p.Name, "err", err)
			continue
		}
		s.platMu.Lock()
		s.platforms[p.ID] = isp
		s.platMu.Unlock()
	}
	return nil
}

// NewPlatform is an admin's form for another ISPConfig installation.
type NewPlatform struct {
	Name         string
	URL          string
	User         string
	Password     string
	TLSVerify    bool
	WebServerID  string
	MailServerID string
	Default      bool
}

// PlatformRow is a platform as the admin's list shows it.
type PlatformRow struct {
	store.Platform
	Customers int  // its live customers
	Loaded    bool // the portal has its seam (its password opened with this portal's key)
}

// Platforms lists every platform with its customers and whether the portal has loaded its seam.
func (s *Service) Platforms(ctx context.Context) ([]PlatformRow, error) {
	list, err := store.NewPlatforms(s.pool).List(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := store.NewPlatforms(s.pool).Customers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]PlatformRow, len(list))
	for i, p := range list {
		_, err := s.ISP(p.ID)
		out[i] = PlatformRow{Platform: p, Customers: counts[p.ID], Loaded: err == nil}
	}
	return out, nil
}

// AddPlatform validates a platform, tests its login (nothing is stored when ISPConfig refuses it or doesn't
// answer), stores it with its password sealed, and loads its seam. Bad input is a field error. Audited as the
// actor's.
func (s *Service) AddPlatform(ctx context.Context, a Actor, in NewPlatform) (store.Platform, error) {
	created, err := s.addPlatform(ctx, in)
	if err != nil { // no id yet: the detail names it
		s.audit(ctx, a, "platform.add", "platform", 0, store.OutcomeFailure, strings.TrimSpace(in.Name)+": "+err.Error())
		return created, err
	}
	s.audit(ctx, a, "platform.add", "platform", created.ID, store.OutcomeSuccess, created.Name+" "+created.Endpoint)
	return created, nil
}

func (s *Service) addPlatform(ctx context.Context, in NewPlatform) (store.Platform, error) {
	s.platMu.RLock()
	dial, box := s.dial, s.box
	s.platMu.RUnlock()
	if dial == nil || box == nil {
		return store.Platform{}, fail.Invalid("Platforms can only be added when the portal has a secret key to encrypt their passwords (PORTAL_SECRET_KEY).")
	}
	errs := fail.Fields{}
	p := store.Platform{Name: strings.TrimSpace(in.Name), Endpoint: strings.TrimSpace(in.URL),
		RemoteUser: strings.TrimSpace(in.User), TLSVerify: in.TLSVerify}
	if p.Name == "" || len(p.Name) > 64 || strings.ContainsAny(p.Name, "<>\r\n") {
		errs.Addf("name", "Enter a name of at most 64 characters.")
	}
	if u, err := url.Parse(p.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		!strings.HasSuffix(u.Path, "/remote/json.php") {
		errs.Addf("url", "Enter the remote API's address, like https://panel.example.com:8080/remote/json.php.")
	}
	if p.RemoteUser == "" || len(p.RemoteUser) > 64 {
		errs.Addf("user", "Enter the ISPConfig remote user.")
	}
	if in.Password == "" || len(in.Password) > 256 {
		errs.Addf("password", "Enter the remote user's password.")
	}
	serverID := func(raw, field string) int64 {
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 32)
		if err != nil || n < 1 {
			errs.Addf(field, "Enter a server id (a positive whole number).")
		}
		return n
	}
	p.WebServerID, p.MailServerID = serverID(in.WebServerID, "web_server_id"), serverID(in.MailServerID, "mail_server_id")
	if err := errs.Err(); err != nil {
		return store.Platform{}, err
	}
	isp, err := dial(p, in.Password)
	if err != nil {
		return store.Platform{}, fail.Field("url", "The portal can't use this address: %v", err)
	}
	if problem := probe(ctx, isp); problem != "" {
		return store.Platform{}, fail.Field("form", "The login test failed: %s. Nothing was saved.", problem)
	}
	p.PasswordEnc = box.Seal(in.Password, PasswordContext(p.Name))
	created, err := store.NewPlatforms(s.pool).Create(ctx, p)
	if errors.Is(err, store.ErrConflict) {
		return store.Platform{}, fail.Field("name", "A platform with this name exists already.")
	}
	if err != nil {
		return store.Platform{}, err
	}
	if again, err := dial(created, in.Password); err == nil {
		isp = again // now with the platform's id, for its health and metrics
	}
	s.platMu.Lock()
	s.platforms[created.ID] = isp
	s.platMu.Unlock()
	if in.Default {
		if err := store.NewPlatforms(s.pool).SetDefault(ctx, created.ID); err != nil {
			return created, err
		}
		created.IsDefault = true
	}
	return created, nil
}

// TestPlatform logs in to a platform now and says what went wrong ("" when the login and a read work). Audited
// as the actor's: a failed login as a failure.
func (s *Service) TestPlatform(ctx context.Context, a Actor, id int64) (string, error) {
	isp, err := s.ISP(id)
	if err != nil {
		err = fail.Conflict("The portal has no connection for this platform (is PORTAL_SECRET_KEY the one its password was stored with?).")
		s.auditPlatform(ctx, a, "platform.test", id, err, "")
		return "", err
	}
	problem := probe(ctx, isp)
	if problem != "" {
		s.audit(ctx, a, "platform.test", "platform", id, store.OutcomeFailure, problem)
	} else {
		s.audit(ctx, a, "platform.test", "platform", id, store.OutcomeSuccess, "")
	}
	return problem, nil
}

// SetDefaultPlatform makes platform id the one new resellers and direct clients are created on. Audited.
func (s *Service) SetDefaultPlatform(ctx context.Context, a Actor, id int64) error {
	err := store.NewPlatforms(s.pool).SetDefault(ctx, id)
	s.auditPlatform(ctx, a, "platform.default", id, err, "")
	return err
}

// auditPlatform audits an admin's platform operation: a success, or a failure with its error (a refused form too,
// as the admin's platform screens always did).
func (s *Service) auditPlatform(ctx context.Context, a Actor, action string, id int64, err error, detail string) {
	if err != nil {
		s.audit(ctx, a, action, "platform", id, store.OutcomeFailure, err.Error())
		return
	}
	s.audit(ctx, a, action, "platform", id, store.OutcomeSuccess, detail)
}

// probe logs in and reads once; it returns "" or what went wrong, in words for the admin.
func probe(ctx context.Context, isp ISP) string {
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	err := isp.Probe(pctx)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ispapi.ErrUnauthorized):
		return "ISPConfig refuses the remote user (check its name, password, permissions and allowed IPs)"
	case errors.Is(err, ispapi.ErrUnavailable), errors.Is(err, ispapi.ErrNotSent):
		return "ISPConfig does not answer at this address"
	}
	return "ISPConfig answered something unexpected"
}
