package tenancy

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/ispapi"
	"portal/internal/store"
)

// The customer screens' operations: what an admin or reseller may do to the customers it sees. Each method checks,
// in SQL, that the actor sees the customer, applies the rules, does the work through the lifecycle methods
// (Create, ChangePlan, SetSuspended, Delete, Retry) and audits the outcome.

var errNotFound = fail.New(http.StatusNotFound, "Not found.")

// CustomerDraft is the new-customer form as typed.
type CustomerDraft struct {
	Name, Company, Email, Username string
	Access                         string // "invite" (the owner chooses a password) or "password"
	Password                       string // with Access "password"
	PlanID                         string
}

// Creatable is what an actor may create at a new-customer form: its kind, under which reseller, on which plans.
type Creatable struct {
	Kind       store.Role
	ResellerID *int64 // the new client's reseller; nil for the operator's customers
	Plans      []store.Plan
}

// CreatableFor returns what the actor may create of kind: admins create resellers and direct clients, a reseller
// creates its own clients, on the owner's plans for that kind. Anything else is not found.
func (s *Service) CreatableFor(ctx context.Context, a Actor, kind store.Role) (Creatable, error) {
	c := Creatable{Kind: kind}
	switch {
	case a.Effective.Role == store.RoleAdmin && (kind == store.RoleReseller || kind == store.RoleClient):
	case a.Effective.Role == store.RoleReseller && kind == store.RoleClient && a.Effective.CustomerID != nil:
		c.ResellerID = a.Effective.CustomerID
	default:
		return c, errNotFound
	}
	var err error
	c.Plans, err = store.NewPlans(s.pool).Owned(ctx, c.ResellerID, kind)
	return c, err
}

// CreateCustomer validates a new-customer form and creates the customer (Create). Every problem with the form comes
// back at once as field errors, before anything is recorded.
func (s *Service) CreateCustomer(ctx context.Context, a Actor, kind store.Role, d CustomerDraft) (store.Customer, error) {
	c, err := s.CreatableFor(ctx, a, kind)
	if err != nil {
		return store.Customer{}, err
	}
	in, err := c.check(d)
	if err != nil {
		return store.Customer{}, err
	}
	if d.Access == "password" {
		if s.Hasher == nil {
			return store.Customer{}, errors.New("tenancy: no password hasher configured")
		}
		if in.PasswordHash, err = s.Hasher.HashCtx(ctx, d.Password); err != nil {
			return store.Customer{}, err
		}
	}
	cust, err := s.Create(ctx, in)
	switch {
	case err == nil:
		outcome := store.OutcomeSuccess
		if cust.State == store.StateFailed {
			outcome = store.OutcomeFailure
		}
		s.audit(ctx, a, "customer.create", string(kind), cust.ID, outcome, cust.State+" "+i18n.Kept(cust.StateDetail).In(i18n.En)) // the audit log is the operator's record, in English
	case isFail(err):
		s.audit(ctx, a, "customer.create", string(kind), 0, store.OutcomeDenied, in.Username+": "+err.Error())
	default:
		s.audit(ctx, a, "customer.create", string(kind), 0, store.OutcomeFailure, in.Username+": "+err.Error())
	}
	return cust, err
}

// check validates a new-customer form against what c allows.
func (c Creatable) check(d CustomerDraft) (NewCustomer, error) {
	in := NewCustomer{Kind: c.Kind, ResellerID: c.ResellerID, Invite: d.Access != "password"}
	var errs fail.Fields
	in.Name, in.Company, in.Email, errs = CheckContact(c.Kind, d.Name, d.Company, d.Email)
	if errs == nil {
		errs = fail.Fields{}
	}
	in.Username = strings.ToLower(strings.TrimSpace(d.Username))
	if ispapi.ValidateUsername(in.Username) != nil {
		errs.Addf("username", "Use 1 to 64 letters, digits, dots, dashes or underscores (not web followed by a digit).")
	}
	switch d.Access {
	case "password":
		errs.Add("password", auth.CheckNew(d.Password))
	case "invite":
		if d.Password != "" {
			errs.Addf("password", "Leave the password empty when inviting: the owner chooses it.")
		}
	default:
		errs.Addf("access", "Choose to invite by email or to set a password.")
	}
	in.PlanID, _ = strconv.ParseInt(strings.TrimSpace(d.PlanID), 10, 64)
	if !planIn(c.Plans, in.PlanID) {
		errs.Addf("plan_id", "Choose one of the plans.")
	}
	return in, errs.Err()
}

func planIn(plans []store.Plan, id int64) bool {
	for _, p := range plans {
		if p.ID == id {
			return true
		}
	}
	return false
}

func isFail(err error) bool { _, ok := fail.As(err); return ok }

// visibleCustomer loads customer id if the actor may see it; otherwise it is not found, exactly as a missing id.
func (s *Service) visibleCustomer(ctx context.Context, a Actor, id int64) (store.Customer, error) {
	return store.NewCustomers(s.pool).Visible(ctx, a.Scope(), id)
}

// CustomerView is what a customer's page shows.
type CustomerView struct {
	Customer store.Customer
	Plan     store.Plan
	Usage    store.Usage
	Plans    []store.Plan    // the plans it may move to: its owner's for its kind
	Holdings []store.Holding // its sites, mail domains and domains, the first holdingsShown of each by name
}

// holdingsShown is how many sites (mail domains, domains) a customer's page lists.
const holdingsShown = 20

// Customer returns customer id's page, for an actor that sees it.
func (s *Service) Customer(ctx context.Context, a Actor, id int64) (CustomerView, error) {
	var v CustomerView
	var err error
	if v.Customer, err = s.visibleCustomer(ctx, a, id); err != nil {
		return v, err
	}
	if v.Usage, err = store.NewCustomers(s.pool).UsageOf(ctx, v.Customer); err != nil {
		return v, err
	}
	if v.Plans, err = store.NewPlans(s.pool).Owned(ctx, v.Customer.ResellerID, v.Customer.Kind); err != nil {
		return v, err
	}
	// Its plan is one of its owner's plans for its kind: take it from that list rather than read it again.
	found := false
	for _, p := range v.Plans {
		if p.ID == v.Customer.PlanID {
			v.Plan, found = p, true
		}
	}
	if !found {
		if v.Plan, err = store.NewPlans(s.pool).ByID(ctx, v.Customer.PlanID); err != nil {
			return v, err
		}
	}
	if v.Customer.Kind == store.RoleClient {
		v.Holdings, err = store.NewCustomers(s.pool).Holdings(ctx, v.Customer.ID, holdingsShown)
	}
	return v, err
}

// EditCustomer changes a customer's contact details and sign-in email (UpdateContact). A new sign-in email needs
// the acting person's recent confirmation (fail.ErrReauth otherwise).
func (s *Service) EditCustomer(ctx context.Context, a Actor, id int64, name, company, email string) error {
	c, err := s.visibleCustomer(ctx, a, id)
	if err != nil {
		return err
	}
	name, company, email, errs := CheckContact(c.Kind, name, company, email)
	if errs != nil {
		return errs.Err()
	}
	if !strings.EqualFold(email, c.Email) && !a.Recent {
		s.audit(ctx, a, "customer.edit", string(c.Kind), id, store.OutcomeDenied, "re-authentication needed")
		return fail.ErrReauth
	}
	err = s.UpdateContact(ctx, id, name, company, email)
	s.auditErr(ctx, a, "customer.edit", string(c.Kind), id, err, email)
	return err
}

// ChangeCustomerPlan moves a customer to another of its owner's plans (ChangePlan). For a reseller it returns the
// clients whose plans now allow more than the reseller's new plan.
func (s *Service) ChangeCustomerPlan(ctx context.Context, a Actor, id int64, rawPlan string) ([]string, error) {
	c, err := s.visibleCustomer(ctx, a, id)
	if err != nil {
		return nil, err
	}
	planID, _ := strconv.ParseInt(strings.TrimSpace(rawPlan), 10, 64)
	if planID <= 0 {
		return nil, fail.Field("plan_id", "Choose one of the plans.")
	}
	err = s.ChangePlan(ctx, id, planID)
	s.auditErr(ctx, a, "customer.plan", string(c.Kind), id, err, "plan "+strconv.FormatInt(planID, 10))
	if err != nil || c.Kind != store.RoleReseller {
		return nil, err
	}
	return s.OverCeiling(ctx, id)
}

// SuspendCustomer suspends or unsuspends a customer at the actor's level (SetSuspended) and returns it afterwards.
func (s *Service) SuspendCustomer(ctx context.Context, a Actor, id int64, suspend bool) (store.Customer, error) {
	c, err := s.visibleCustomer(ctx, a, id)
	if err != nil {
		return c, err
	}
	action := "customer.unsuspend"
	if suspend {
		action = "customer.suspend"
	}
	err = s.SetSuspended(ctx, id, suspend, a.suspender())
	s.auditErr(ctx, a, action, string(c.Kind), id, err, "")
	if err != nil {
		return c, err
	}
	return store.NewCustomers(s.pool).ByID(ctx, id)
}

// DeleteCustomer deletes a customer (Delete) once the acting person confirmed recently, and returns it afterwards:
// deleted, or still deleting while ISPConfig is cleaned up.
func (s *Service) DeleteCustomer(ctx context.Context, a Actor, id int64) (store.Customer, error) {
	c, err := s.visibleCustomer(ctx, a, id)
	if err != nil {
		return c, err
	}
	if !a.Recent {
		s.audit(ctx, a, "customer.delete", string(c.Kind), id, store.OutcomeDenied, "re-authentication needed")
		return c, fail.ErrReauth
	}
	err = s.Delete(ctx, id)
	s.auditErr(ctx, a, "customer.delete", string(c.Kind), id, err, c.ISPUsername)
	if err != nil {
		return c, err
	}
	return store.NewCustomers(s.pool).ByID(ctx, id)
}

// RetryCustomer provisions a failed customer again (Retry) and returns it afterwards.
func (s *Service) RetryCustomer(ctx context.Context, a Actor, id int64) (store.Customer, error) {
	c, err := s.visibleCustomer(ctx, a, id)
	if err != nil {
		return c, err
	}
	if err := s.Retry(ctx, id); err != nil {
		s.auditErr(ctx, a, "customer.retry", string(c.Kind), id, err, "")
		return c, err
	}
	c, err = store.NewCustomers(s.pool).ByID(ctx, id)
	if err == nil {
		s.audit(ctx, a, "customer.retry", string(c.Kind), id, store.OutcomeSuccess, c.State)
	}
	return c, err
}

// auditErr audits an operation by its error: success, denied (a rule refused it) or failure.
func (s *Service) auditErr(ctx context.Context, a Actor, action, objType string, id int64, err error, detail string) {
	switch {
	case err == nil:
		s.audit(ctx, a, action, objType, id, store.OutcomeSuccess, detail)
	case isFail(err):
		s.audit(ctx, a, action, objType, id, store.OutcomeDenied, err.Error())
	default:
		s.audit(ctx, a, action, objType, id, store.OutcomeFailure, err.Error())
	}
}
