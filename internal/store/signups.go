package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// Signup states.
const (
	SignupUnconfirmed = "unconfirmed"
	SignupApproval    = "approval"
	SignupSettingUp   = "setting_up"
	SignupReady       = "ready"
	SignupFailed      = "failed"
	SignupRejected    = "rejected"
)

// Signup is a visitor's signup on a public signup page.
type Signup struct {
	ID              int64
	ResellerID      *int64
	PlanID          int64
	Name            string
	Email           string
	PasswordHash    string
	Domain          string
	Username        string
	TermsVersion    string
	TermsAcceptedAt time.Time
	TermsIP         string
	TokenHash       []byte
	State           string
	Step            string // the set-up step in progress or reached: client, site
	Detail          string
	CustomerID      *int64
	SiteID          *int64
	ConfirmedAt     *time.Time
	CreatedAt       time.Time
	PlanName        string
}

// SignupSettings are a signup page's choices.
type SignupSettings struct {
	ResellerID     *int64
	Slug           string // a reseller's page's, /signup/{slug} (migration 00023); "": the operator's /signup. Read only.
	ManualApproval bool
	TermsText      string
	TermsVersion   string
}

// Signups reads and writes signups and signup_settings.
type Signups struct{ db DBTX }

// NewSignups returns the signups over db.
func NewSignups(db DBTX) Signups { return Signups{db: db} }

const signupCols = `s.id, s.reseller_id, s.plan_id, s.name, s.email, s.password_hash, s.domain, s.username, s.terms_version,
	s.terms_accepted_at, s.terms_ip, s.token_hash, s.state, s.step, s.detail, s.customer_id, s.site_id, s.confirmed_at,
	s.created_at, p.name`

func scanSignup(row pgx.CollectableRow) (Signup, error) {
	var s Signup
	err := row.Scan(&s.ID, &s.ResellerID, &s.PlanID, &s.Name, &s.Email, &s.PasswordHash, &s.Domain, &s.Username,
		&s.TermsVersion, &s.TermsAcceptedAt, &s.TermsIP, &s.TokenHash, &s.State, &s.Step, &s.Detail, &s.CustomerID,
		&s.SiteID, &s.ConfirmedAt, &s.CreatedAt, &s.PlanName)
	return s, err
}

// Create records a new unconfirmed signup whose confirmation link expires after ttl.
func (s Signups) Create(ctx context.Context, sg Signup, ttl time.Duration) (int64, error) {
	var id int64
	err := s.db.QueryRow(ctx, `INSERT INTO signups (reseller_id, plan_id, name, email, password_hash, domain, username,
		terms_version, terms_accepted_at, terms_ip, token_hash, token_expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9, $10, now() + $11::interval) RETURNING id`,
		sg.ResellerID, sg.PlanID, sg.Name, sg.Email, sg.PasswordHash, sg.Domain, sg.Username, sg.TermsVersion,
		sg.TermsIP, sg.TokenHash, ttl.String()).Scan(&id)
	return id, wrap(err, "create signup")
}

// ByID returns a signup.
func (s Signups) ByID(ctx context.Context, id int64) (Signup, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+signupCols+` FROM signups s JOIN plans p ON p.id = s.plan_id WHERE s.id = $1`, id)
	sg, err := pgx.CollectExactlyOneRow(rows, scanSignup)
	return sg, wrap(err, "signup %d", id)
}

// Lock returns a signup locked FOR UPDATE.
func (s Signups) Lock(ctx context.Context, id int64) (Signup, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+signupCols+` FROM signups s JOIN plans p ON p.id = s.plan_id WHERE s.id = $1 FOR UPDATE OF s`, id)
	sg, err := pgx.CollectExactlyOneRow(rows, scanSignup)
	return sg, wrap(err, "lock signup %d", id)
}

// Unconfirmed returns the unconfirmed signup whose link hash is hash while the link is valid, locked.
func (s Signups) Unconfirmed(ctx context.Context, hash []byte) (Signup, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+signupCols+` FROM signups s JOIN plans p ON p.id = s.plan_id
		WHERE s.token_hash = $1 AND s.state = 'unconfirmed' AND s.token_expires_at > now() FOR UPDATE OF s`, hash)
	sg, err := pgx.CollectExactlyOneRow(rows, scanSignup)
	return sg, wrap(err, "signup by link")
}

// SetState moves a signup to state with a step and detail; from, when given, must be its current state.
func (s Signups) SetState(ctx context.Context, id int64, state, step, detail string, from ...string) (bool, error) {
	tag, err := s.db.Exec(ctx, `UPDATE signups SET state = $2, step = $3, detail = $4, updated_at = now(),
		confirmed_at = CASE WHEN $2 IN ('approval', 'setting_up') AND confirmed_at IS NULL THEN now() ELSE confirmed_at END
		WHERE id = $1 AND (coalesce(cardinality($5::text[]), 0) = 0 OR state = ANY($5))`, id, state, step, detail, from)
	return tag.RowsAffected() == 1, wrap(err, "signup %d state", id)
}

// SetCustomer records the client created for a signup.
func (s Signups) SetCustomer(ctx context.Context, id, customerID int64) error {
	_, err := s.db.Exec(ctx, `UPDATE signups SET customer_id = $2, updated_at = now() WHERE id = $1`, id, customerID)
	return wrap(err, "signup %d customer", id)
}

// SetSite records the site created for a signup.
func (s Signups) SetSite(ctx context.Context, id, siteID int64) error {
	_, err := s.db.Exec(ctx, `UPDATE signups SET site_id = $2, updated_at = now() WHERE id = $1`, id, siteID)
	return wrap(err, "signup %d site", id)
}

// OfOwner lists a signup page's signups, newest first (resellerID nil: the operator's).
func (s Signups) OfOwner(ctx context.Context, resellerID *int64, limit int) ([]Signup, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+signupCols+` FROM signups s JOIN plans p ON p.id = s.plan_id
		WHERE s.reseller_id IS NOT DISTINCT FROM $1 ORDER BY s.created_at DESC, s.id DESC`+limitClause(limit), resellerID)
	list, err := pgx.CollectRows(rows, scanSignup)
	return list, wrap(err, "list signups")
}

// Settings returns a signup page's settings (defaults when none were saved) and its slug ("" for the operator's,
// and for a reseller that is no longer live).
func (s Signups) Settings(ctx context.Context, resellerID *int64) (SignupSettings, error) {
	out := SignupSettings{ResellerID: resellerID, TermsVersion: "1"}
	var manual *bool
	var text, version *string
	err := s.db.QueryRow(ctx, `SELECT coalesce(c.signup_slug, ''), st.manual_approval, st.terms_text, st.terms_version
		FROM (SELECT $1::bigint AS id) k
		LEFT JOIN customers c ON c.id = k.id AND c.kind = 'reseller' AND c.state <> 'deleted'
		LEFT JOIN signup_settings st ON coalesce(st.reseller_id, 0) = coalesce(k.id, 0)`, resellerID).Scan(&out.Slug, &manual, &text, &version)
	if err != nil {
		return SignupSettings{}, wrap(err, "signup settings")
	}
	if manual != nil { // saved once; until then the defaults
		out.ManualApproval, out.TermsText, out.TermsVersion = *manual, *text, *version
	}
	return out, nil
}

// SaveSettings stores a signup page's settings.
func (s Signups) SaveSettings(ctx context.Context, st SignupSettings) error {
	_, err := s.db.Exec(ctx, `INSERT INTO signup_settings (reseller_id, manual_approval, terms_text, terms_version)
		VALUES ($1, $2, $3, $4) ON CONFLICT (coalesce(reseller_id, 0)) DO UPDATE SET manual_approval = $2,
		terms_text = $3, terms_version = $4, updated_at = now()`, st.ResellerID, st.ManualApproval, st.TermsText, st.TermsVersion)
	return wrap(err, "save signup settings")
}

// PublicPlans lists the client plans of an owner marked public.
func (s Signups) PublicPlans(ctx context.Context, resellerID *int64) ([]Plan, error) {
	rows, _ := s.db.Query(ctx, `SELECT `+planCols+` FROM plans WHERE reseller_id IS NOT DISTINCT FROM $1
		AND audience = 'client' AND public ORDER BY lower(name)`, resellerID)
	list, err := pgx.CollectRows(rows, scanPlan)
	return list, wrap(err, "public plans")
}

// SetPlanPublic marks a plan public (offered on its owner's signup page) or not.
func (s Signups) SetPlanPublic(ctx context.Context, planID int64, public bool) error {
	_, err := s.db.Exec(ctx, `UPDATE plans SET public = $2 WHERE id = $1 AND audience = 'client'`, planID, public)
	return wrap(err, "plan %d public", planID)
}

// PlanPublic reports whether a plan is public.
func (s Signups) PlanPublic(ctx context.Context, planID int64) (bool, error) {
	var p bool
	err := s.db.QueryRow(ctx, `SELECT public FROM plans WHERE id = $1`, planID).Scan(&p)
	return p, wrap(err, "plan %d public", planID)
}
