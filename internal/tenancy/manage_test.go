package tenancy_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"portal/internal/fail"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/testenv"
)

// The customer and plan screens' operations, without HTTP: who may do what, every form problem reported before
// anything is recorded, and the audit trail.

func TestCreateCustomer_FormErrorsAllAtOnceAndNothingRecorded(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "r@example.test")
	before := e.Count(`SELECT count(*) FROM customers`)
	calls := len(e.Sim.Calls())

	_, err := e.Ten.CreateCustomer(ctx, e.As(r), store.RoleClient, tenancy.CustomerDraft{
		Name: "<b>x</b>", Email: "not-an-email", Username: "web1", Access: "password", Password: "short", PlanID: "999999"})
	fields := fail.FieldsOf(err)
	for _, f := range []string{"name", "email", "username", "password", "plan_id"} {
		if fields[f].Format == "" {
			t.Errorf("field %s: no error in %v", f, fields)
		}
	}
	if n := e.Count(`SELECT count(*) FROM customers`); n != before {
		t.Fatalf("customers %d → %d after a refused form", before, n)
	}
	if n := len(e.Sim.Calls()); n != calls {
		t.Fatalf("ISPConfig was called %d times for a refused form", n-calls)
	}
	// An invitation must not carry a password, and the access choice must be one of the two.
	_, err = e.Ten.CreateCustomer(ctx, e.As(r), store.RoleClient, tenancy.CustomerDraft{Name: "A", Email: "a@example.test",
		Username: "aaa", Access: "invite", Password: "a-long-enough-password", PlanID: "1"})
	if fail.FieldsOf(err)["password"].Format == "" {
		t.Fatalf("invite with a password: %v", err)
	}
	_, err = e.Ten.CreateCustomer(ctx, e.As(r), store.RoleClient, tenancy.CustomerDraft{Name: "A", Email: "a@example.test",
		Username: "aaa", Access: "magic", PlanID: "1"})
	if fail.FieldsOf(err)["access"].Format == "" {
		t.Fatalf("unknown access choice: %v", err)
	}
}

func TestCreateCustomer_OnlyOwnPlansAndKinds(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	r1 := e.Customer(store.RoleReseller, nil, "r1@example.test")
	r2 := e.Customer(store.RoleReseller, nil, "r2@example.test")
	other := e.Plan(&r2, store.RoleClient, "r2's plan", testenv.Unlimited)
	operator := e.Plan(nil, store.RoleClient, "operator's plan", testenv.Unlimited)
	for _, plan := range []store.Plan{other, operator} {
		_, err := e.Ten.CreateCustomer(ctx, e.As(r1), store.RoleClient, tenancy.CustomerDraft{Name: "A", Email: "a@example.test",
			Username: "aaa", Access: "password", Password: "correct horse battery", PlanID: strconv.FormatInt(plan.ID, 10)})
		if fail.FieldsOf(err)["plan_id"].Format == "" {
			t.Fatalf("reseller 1 on %s: %v, want a plan_id error", plan.Name, err)
		}
	}
	if _, err := e.Ten.CreatableFor(ctx, e.As(r1), store.RoleReseller); !errors.Is(err, store.ErrNotFound) && status(err) != http.StatusNotFound {
		t.Fatalf("a reseller creating a reseller: %v, want not found", err)
	}
	c := e.Customer(store.RoleClient, &r1, "c@example.test")
	if _, err := e.Ten.CreatableFor(ctx, e.As(c), store.RoleClient); status(err) != http.StatusNotFound {
		t.Fatalf("a client creating a client: %v, want not found", err)
	}

	own := e.Plan(&r1, store.RoleClient, "r1's plan", testenv.Unlimited)
	got, err := e.Ten.CreateCustomer(ctx, e.As(r1), store.RoleClient, tenancy.CustomerDraft{Name: " New ", Email: "new@example.test",
		Username: "NewClient", Access: "password", Password: "correct horse battery", PlanID: strconv.FormatInt(own.ID, 10)})
	if err != nil || got.State != store.StateActive || got.ResellerID == nil || *got.ResellerID != r1.ID || got.Name != "New" || got.ISPUsername != "newclient" {
		t.Fatalf("create on its own plan: %+v, %v", got, err)
	}
	acct, err := store.NewAccounts(e.Pool).ByCustomer(ctx, got.ID)
	if err != nil || !e.Ten.Hasher.Verify("correct horse battery", acct.PasswordHash) {
		t.Fatalf("the new sign-in's password: %v", err)
	}
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE action = 'customer.create' AND object_id = $1 AND outcome = 'success'`, strconv.FormatInt(got.ID, 10)); n != 1 {
		t.Fatalf("audit entries for the create: %d", n)
	}
}

// Every operation on a customer checks, in SQL, that the actor sees it: another reseller's client is not found,
// exactly like an id that doesn't exist, and nothing changes.
func TestCustomerOperations_OtherTenantsAreNotFound(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	r1 := e.Customer(store.RoleReseller, nil, "r1@example.test")
	r2 := e.Customer(store.RoleReseller, nil, "r2@example.test")
	victim := e.Customer(store.RoleClient, &r2, "victim@example.test")
	plan := e.Plan(&r1, store.RoleClient, "r1 plan", testenv.Unlimited)
	a := e.As(r1)
	a.Recent = true
	ops := map[string]func() error{
		"page": func() error { _, err := e.Ten.Customer(ctx, a, victim.ID); return err },
		"edit": func() error { return e.Ten.EditCustomer(ctx, a, victim.ID, "X", "", victim.Email) },
		"plan": func() error {
			_, err := e.Ten.ChangeCustomerPlan(ctx, a, victim.ID, strconv.FormatInt(plan.ID, 10))
			return err
		},
		"suspend": func() error { _, err := e.Ten.SuspendCustomer(ctx, a, victim.ID, true); return err },
		"delete":  func() error { _, err := e.Ten.DeleteCustomer(ctx, a, victim.ID); return err },
		"retry":   func() error { _, err := e.Ten.RetryCustomer(ctx, a, victim.ID); return err },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s on another reseller's client: %v, want not found", name, err)
		}
	}
	if got := e.Reload(victim); got.Name != victim.Name || got.Suspended() || got.State != store.StateActive || got.PlanID != victim.PlanID {
		t.Fatalf("the victim changed: %+v", got)
	}
}

// A new sign-in email and a deletion need the acting person's recent confirmation; other edits don't.
func TestCustomerOperations_ReauthForEmailAndDelete(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "r@example.test")
	c := e.Customer(store.RoleClient, &r, "c@example.test")
	a := e.As(r)
	if err := e.Ten.EditCustomer(ctx, a, c.ID, "Renamed", "ACME", c.Email); err != nil {
		t.Fatalf("rename without confirmation: %v", err)
	}
	if err := e.Ten.EditCustomer(ctx, a, c.ID, "Renamed", "ACME", "moved@example.test"); err != fail.ErrReauth {
		t.Fatalf("new email without confirmation: %v, want ErrReauth", err)
	}
	if _, err := e.Ten.DeleteCustomer(ctx, a, c.ID); err != fail.ErrReauth {
		t.Fatalf("delete without confirmation: %v, want ErrReauth", err)
	}
	if got := e.Reload(c); got.Email != c.Email || got.State != store.StateActive || got.Name != "Renamed" {
		t.Fatalf("after the refusals: %+v", got)
	}
	if n := e.Count(`SELECT count(*) FROM audit_log WHERE object_id = $1 AND outcome = 'denied'`, strconv.FormatInt(c.ID, 10)); n != 2 {
		t.Fatalf("denied audit entries: %d, want 2", n)
	}
	a.Recent = true
	if err := e.Ten.EditCustomer(ctx, a, c.ID, "Renamed", "ACME", "moved@example.test"); err != nil {
		t.Fatalf("new email after confirmation: %v", err)
	}
	if got := e.Reload(c); got.Email != "moved@example.test" {
		t.Fatalf("email %q", got.Email)
	}
	got, err := e.Ten.DeleteCustomer(ctx, a, c.ID)
	if err != nil || got.State != store.StateDeleted {
		t.Fatalf("delete after confirmation: %s, %v", got.State, err)
	}
}

// A reseller's suspension is at the reseller's level; the admin's can't be lifted by the reseller through the
// screens either.
func TestSuspendCustomer_LevelFollowsTheActor(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	r := e.Customer(store.RoleReseller, nil, "r@example.test")
	c := e.Customer(store.RoleClient, &r, "c@example.test")
	got, err := e.Ten.SuspendCustomer(ctx, e.Admin(), c.ID, true)
	if err != nil || got.SuspendedBy != store.SuspendedByAdmin {
		t.Fatalf("admin suspends: by %q, %v", got.SuspendedBy, err)
	}
	if _, err := e.Ten.SuspendCustomer(ctx, e.As(r), c.ID, false); status(err) != http.StatusForbidden {
		t.Fatalf("reseller lifts the admin's suspension: %v, want 403", err)
	}
	if _, err := e.Ten.SuspendCustomer(ctx, e.Admin(), c.ID, false); err != nil {
		t.Fatal(err)
	}
	got, err = e.Ten.SuspendCustomer(ctx, e.As(r), c.ID, true)
	if err != nil || got.SuspendedBy != store.SuspendedByReseller {
		t.Fatalf("reseller suspends: by %q, %v", got.SuspendedBy, err)
	}
}

func TestPlans_CeilingUsageAndOwnership(t *testing.T) {
	e := testenv.New(t)
	ctx := context.Background()
	limits := testenv.Unlimited
	limits.MaxSites, limits.MaxClients = 3, 10
	r := e.Customer(store.RoleReseller, nil, "r@example.test", e.Plan(nil, store.RoleReseller, "three sites", limits))
	a := e.As(r)
	draft := tenancy.PlanDraft{Name: "Small", Sites: "5", MailDomains: "1", Mailboxes: "1", MailQuota: "100", Aliases: "1",
		Domains: "1", SiteQuota: "100"}
	if _, err := e.Ten.CreatePlan(ctx, a, draft); fail.FieldsOf(err)["form"].Format == "" {
		t.Fatalf("a client plan above the reseller's own: %v, want a form error", err)
	}
	draft.Sites = "1"
	small, err := e.Ten.CreatePlan(ctx, a, draft)
	if err != nil || small.ResellerID == nil || *small.ResellerID != r.ID || small.Audience != store.RoleClient {
		t.Fatalf("create: %+v, %v", small, err)
	}
	if _, err := e.Ten.CreatePlan(ctx, a, draft); fail.FieldsOf(err)["name"].Format == "" {
		t.Fatalf("same name again: %v", err)
	}

	c := e.Customer(store.RoleClient, &r, "c@example.test", small)
	if _, err := newSite(e, c, "one.example.test"); err != nil {
		t.Fatal(err)
	}
	draft.Sites = "0"
	if _, err := e.Ten.UpdatePlan(ctx, a, small.ID, draft); fail.FieldsOf(err)["form"].Format == "" {
		t.Fatalf("shrinking below a customer's use: %v, want a form error", err)
	}
	if _, err := e.Ten.DeletePlan(ctx, a, small.ID); status(err) != http.StatusConflict {
		t.Fatalf("deleting a plan in use: %v, want 409", err)
	}
	draft.Sites, draft.Name = "1", "Small renamed"
	saved, err := e.Ten.UpdatePlan(ctx, a, small.ID, draft)
	if err != nil || saved.Plan.Name != "Small renamed" || !saved.Syncing {
		t.Fatalf("update: %+v, %v", saved, err)
	}

	other := e.Customer(store.RoleReseller, nil, "other@example.test")
	if _, err := e.Ten.UpdatePlan(ctx, e.As(other), small.ID, draft); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another reseller updates the plan: %v, want not found", err)
	}
	if _, err := e.Ten.DeletePlan(ctx, e.As(other), small.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("another reseller deletes the plan: %v, want not found", err)
	}
	if _, _, err := e.Ten.Plans(ctx, e.As(c)); status(err) != http.StatusNotFound {
		t.Fatalf("a client's plans: %v, want not found", err)
	}
}
