package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"portal/internal/auth"
	"portal/internal/fail"
	"portal/internal/ispapi"
	"portal/internal/store"
	"portal/internal/tenancy"
	"portal/internal/views"
)

// listQuery reads a list page's search, sort, direction and page (the key it starts after or ends before);
// malformed values are a 400.
func listQuery(r *http.Request, sorts ...string) (views.ListQuery, error) {
	q := r.URL.Query()
	lq := views.ListQuery{Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Desc: q.Get("desc") == "1"}
	if len(lq.Q) > 200 {
		return lq, userErr(http.StatusBadRequest, "The search is too long.")
	}
	if lq.Sort != "" && !slices.Contains(sorts, lq.Sort) {
		return lq, userErr(http.StatusBadRequest, "Unknown sort order.")
	}
	for dir, to := range map[string]**store.Key{"after": &lq.Keyset.After, "before": &lq.Keyset.Before} {
		if s := q.Get(dir); s != "" {
			k, ok := store.ParseKey(s)
			if !ok {
				return lq, userErr(http.StatusBadRequest, "Invalid page.")
			}
			*to = &k
		}
	}
	return lq, nil
}

// paged puts a store page's count and links into lq.
func paged(lq *views.ListQuery, pg store.Paging) {
	lq.Total, lq.First = pg.Total, pg.First
	if pg.Next != nil {
		lq.Next = pg.Next.String()
	}
	if pg.Prev != nil {
		lq.Prev = pg.Prev.String()
	}
}

// objectPager is the pager of an object list at base.
func objectPager(base string, lq views.ListQuery, pg store.Paging) views.ObjectPager {
	paged(&lq, pg)
	return views.ObjectPager{Base: base, Query: lq.Q, Total: lq.Total, First: lq.First, Next: lq.Next, Prev: lq.Prev}
}

// customerList serves the customer lists: GET /admin/resellers, /admin/clients (admins) and /reseller/clients
// (a reseller's own clients). Search, sort and pagination happen in SQL, within the effective account's scope.
func (h *Handler) customerList(kind store.Role, title, base, newURL string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, _ := principalFrom(r.Context())
		lq, err := listQuery(r, "name", "email", "state", "created")
		if err != nil {
			return err
		}
		lq.Per = 25
		list, pg, err := store.NewCustomers(h.pool).List(r.Context(), store.ScopeOf(p.Effective), store.CustomerFilter{
			Kind: kind, Query: lq.Q, Sort: lq.Sort, Desc: lq.Desc, Keyset: lq.Keyset, PerPage: lq.Per,
		})
		if err != nil {
			return err
		}
		paged(&lq, pg)
		if isPartial(r) {
			return h.renderFragment(w, r, http.StatusOK, views.CustomerResults(base, lq, list, p.Effective.Role == store.RoleAdmin && kind == store.RoleClient))
		}
		return h.render(w, r, http.StatusOK, title, views.CustomerListPage(title, base, newURL, lq, list, p.Effective.Role == store.RoleAdmin && kind == store.RoleClient))
	}
}

// creatable says which customers the effective account may create at a form URL, and on which plans.
type creatable struct {
	kind       store.Role
	resellerID *int64 // the new client's reseller
	title      string
}

// creatableFor returns what the effective account may create: admins create resellers or direct clients, a
// reseller creates its own clients. The plans are the owner's plans for that audience.
func (h *Handler) creatableFor(r *http.Request, kind store.Role) (creatable, []store.Plan, error) {
	p, _ := principalFrom(r.Context())
	c := creatable{kind: kind, title: "New " + string(kind)}
	if p.Effective.Role == store.RoleReseller {
		if kind != store.RoleClient || p.Effective.CustomerID == nil {
			return c, nil, errNotFound
		}
		c.resellerID = p.Effective.CustomerID
	}
	plans, err := store.NewPlans(h.pool).Owned(r.Context(), c.resellerID, kind)
	return c, plans, err
}

// customerNew serves GET /admin/resellers/new, /admin/clients/new and /reseller/clients/new.
func (h *Handler) customerNew(kind store.Role, action string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, plans, err := h.creatableFor(r, kind)
		if err != nil {
			return err
		}
		return h.render(w, r, http.StatusOK, c.title, views.CustomerForm(c.title, action, plans, views.CustomerFormValues{}, nil))
	}
}

// customerCreate serves POST /admin/resellers, /admin/clients and /reseller/clients: validate, record, provision.
func (h *Handler) customerCreate(kind store.Role, action string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		p, _ := principalFrom(ctx)
		c, plans, err := h.creatableFor(r, kind)
		if err != nil {
			return err
		}
		f, err := parseForm(r, "name", "company", "email", "username", "access", "password", "plan_id")
		if err != nil {
			return err
		}
		v := views.CustomerFormValues{Name: strings.TrimSpace(f["name"]), Company: strings.TrimSpace(f["company"]),
			Email: strings.TrimSpace(f["email"]), Username: strings.TrimSpace(f["username"]), Access: f["access"]}
		if v.Access == "" { // a form without the choice: a password given means "set it now"
			v.Access = "invite"
			if f["password"] != "" {
				v.Access = "password"
			}
		}
		errs := views.FieldErrors{}
		validContact(kind, &v, errs)
		if err := ispapi.ValidateUsername(v.Username); err != nil {
			errs["username"] = "Use 1 to 64 letters, digits, dots, dashes or underscores (not web followed by a digit)."
		} else {
			v.Username = strings.ToLower(v.Username)
		}
		switch v.Access {
		case "password":
			if msg := auth.CheckNew(f["password"]); msg != "" {
				errs["password"] = msg
			}
		case "invite":
			if f["password"] != "" {
				errs["password"] = "Leave the password empty when inviting: the owner chooses it."
			}
		default:
			errs["access"] = "Choose to invite by email or to set a password."
		}
		planID, _ := strconv.ParseInt(f["plan_id"], 10, 64)
		if !planIn(plans, planID) {
			errs["plan_id"] = "Choose one of the plans."
		}
		v.PlanID = planID
		if len(errs) > 0 {
			return h.render(w, r, http.StatusUnprocessableEntity, c.title, views.CustomerForm(c.title, action, plans, v, errs))
		}
		var hash string
		if v.Access == "password" {
			release, err := h.hashSlot(ctx)
			if err != nil {
				return err
			}
			hash, err = h.hasher.Hash(f["password"])
			release()
			if err != nil {
				return err
			}
		}
		cust, err := h.tenancy.Create(ctx, tenancy.NewCustomer{
			Kind: kind, ResellerID: c.resellerID, PlanID: planID, // on the default platform, or the reseller's
			Name: v.Name, Company: v.Company, Email: v.Email, Username: v.Username, PasswordHash: hash,
			Invite: v.Access == "invite",
		})
		if te, ok := fail.As(err); ok {
			h.audited(r, p, "customer.create", string(kind), v.Username, store.OutcomeDenied, te.Msg)
			errs["form"] = te.Msg
			return h.render(w, r, http.StatusUnprocessableEntity, c.title, views.CustomerForm(c.title, action, plans, v, errs))
		}
		if err != nil {
			h.audited(r, p, "customer.create", string(kind), v.Username, store.OutcomeFailure, err.Error())
			return err
		}
		outcome := store.OutcomeSuccess
		if cust.State == store.StateFailed {
			outcome = store.OutcomeFailure
		}
		h.audited(r, p, "customer.create", string(kind), idString(cust.ID), outcome, cust.State+" "+cust.StateDetail)
		h.flash(r, stateMessage(cust))
		redirect(w, r, fmt.Sprintf("/customers/%d", cust.ID))
		return nil
	}
}

func planIn(plans []store.Plan, id int64) bool {
	for _, p := range plans {
		if p.ID == id {
			return true
		}
	}
	return false
}

func stateMessage(c store.Customer) string {
	switch c.State {
	case store.StateActive:
		return c.Name + " is set up."
	case store.StatePending:
		return c.Name + " is recorded; the hosting platform has not confirmed it yet (" + c.StateDetail + ")."
	case store.StateFailed:
		return c.Name + " could not be set up: " + c.StateDetail
	}
	return c.Name + ": " + c.State
}

// customerFromRoute loads the customer named by {customerID} after the choke point checked it.
func (h *Handler) customerFromRoute(r *http.Request) (store.Customer, error) {
	id, err := ownedID(r, "customerID")
	if err != nil {
		return store.Customer{}, err
	}
	return store.NewCustomers(h.pool).ByID(r.Context(), id)
}

// plansFor lists the plans a customer may move to: its owner's plans for its kind.
func (h *Handler) plansFor(r *http.Request, c store.Customer) ([]store.Plan, error) {
	return store.NewPlans(h.pool).Owned(r.Context(), c.ResellerID, c.Kind)
}

// customerShow serves GET /customers/{customerID} (admins: any customer; resellers: their clients).
func (h *Handler) customerShow(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	p, _ := principalFrom(ctx)
	c, err := h.customerFromRoute(r)
	if err != nil {
		return err
	}
	plan, err := store.NewPlans(h.pool).ByID(ctx, c.PlanID)
	if err != nil {
		return err
	}
	u, err := store.NewCustomers(h.pool).UsageOf(ctx, c)
	if err != nil {
		return err
	}
	plans, err := h.plansFor(r, c)
	if err != nil {
		return err
	}
	inv, err := h.access.StateOf(ctx, c.ID)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, c.Name, views.CustomerDetail(c, plan, u, plans, !p.Impersonating(),
		views.InviteInfo{State: inv.State, Email: inv.Email, Sent: inv.Sent, Until: inv.Until}))
}

// validContact checks a customer's contact fields with the service's rules, normalising them.
func validContact(kind store.Role, v *views.CustomerFormValues, errs views.FieldErrors) {
	var fe fail.Fields
	v.Name, v.Company, v.Email, fe = tenancy.CheckContact(kind, v.Name, v.Company, v.Email)
	for k, m := range fe {
		errs[k] = m
	}
}

// customerEditForm serves GET /customers/{customerID}/edit.
func (h *Handler) customerEditForm(w http.ResponseWriter, r *http.Request) error {
	c, err := h.customerFromRoute(r)
	if err != nil {
		return err
	}
	v := views.CustomerFormValues{Name: c.Name, Company: c.Company, Email: c.Email}
	return h.render(w, r, http.StatusOK, "Edit "+c.Name, views.CustomerEditForm(c, v, nil))
}

// customerEdit serves POST /customers/{customerID}/edit: contact details and sign-in email, in ISPConfig first.
func (h *Handler) customerEdit(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	c, err := h.customerFromRoute(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "name", "company", "email")
	if err != nil {
		return err
	}
	v := views.CustomerFormValues{Name: strings.TrimSpace(f["name"]), Company: strings.TrimSpace(f["company"]), Email: strings.TrimSpace(f["email"])}
	errs := views.FieldErrors{}
	validContact(c.Kind, &v, errs)
	if len(errs) == 0 && !strings.EqualFold(v.Email, c.Email) {
		// A new sign-in email: the acting user proves it is them first.
		if rendered, err := h.needConfirm(w, r, fmt.Sprintf("/customers/%d/edit", c.ID)); rendered || err != nil {
			return err
		}
	}
	if len(errs) == 0 {
		err = h.tenancy.UpdateContact(r.Context(), c.ID, v.Name, v.Company, v.Email)
		if te, ok := fail.As(err); ok {
			errs["form"] = te.Msg
		} else if err != nil {
			h.audited(r, p, "customer.edit", string(c.Kind), idString(c.ID), store.OutcomeFailure, err.Error())
			return err
		}
	}
	if len(errs) > 0 {
		return h.render(w, r, http.StatusUnprocessableEntity, "Edit "+c.Name, views.CustomerEditForm(c, v, errs))
	}
	h.audited(r, p, "customer.edit", string(c.Kind), idString(c.ID), store.OutcomeSuccess, v.Email)
	h.flash(r, "Saved.")
	redirect(w, r, fmt.Sprintf("/customers/%d", c.ID))
	return nil
}

// customerPlan serves POST /customers/{customerID}/plan: move to another of the owner's plans.
func (h *Handler) customerPlan(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	c, err := h.customerFromRoute(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "plan_id")
	if err != nil {
		return err
	}
	plans, err := h.plansFor(r, c)
	if err != nil {
		return err
	}
	planID, _ := strconv.ParseInt(f["plan_id"], 10, 64)
	if !planIn(plans, planID) {
		return userErr(http.StatusUnprocessableEntity, "Choose one of the plans.")
	}
	if err := h.tenancy.ChangePlan(r.Context(), c.ID, planID); err != nil {
		h.audited(r, p, "customer.plan", string(c.Kind), idString(c.ID), store.OutcomeFailure, err.Error())
		return err
	}
	h.audited(r, p, "customer.plan", string(c.Kind), idString(c.ID), store.OutcomeSuccess, "plan "+idString(planID))
	over, err := h.tenancy.OverCeiling(r.Context(), c.ID)
	if err != nil {
		return err
	}
	if len(over) > 0 {
		h.flash(r, "The plan was changed. These clients' plans now allow more than it does: "+strings.Join(over, "; ")+".")
	} else {
		h.flash(r, "The plan was changed.")
	}
	redirect(w, r, fmt.Sprintf("/customers/%d", c.ID))
	return nil
}

// customerSuspend serves POST /customers/{customerID}/suspend and /unsuspend.
func (h *Handler) customerSuspend(suspend bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		p, _ := principalFrom(r.Context())
		c, err := h.customerFromRoute(r)
		if err != nil {
			return err
		}
		if _, err := parseForm(r); err != nil {
			return err
		}
		action := "customer.unsuspend"
		if suspend {
			action = "customer.suspend"
		}
		by := store.SuspendedByAdmin
		if p.Effective.Role == store.RoleReseller {
			by = store.SuspendedByReseller
		}
		if err := h.tenancy.SetSuspended(r.Context(), c.ID, suspend, by); err != nil {
			h.audited(r, p, action, string(c.Kind), idString(c.ID), store.OutcomeFailure, err.Error())
			return err
		}
		h.audited(r, p, action, string(c.Kind), idString(c.ID), store.OutcomeSuccess, "")
		c, err = store.NewCustomers(h.pool).ByID(r.Context(), c.ID)
		if err != nil {
			return err
		}
		switch c.Suspension {
		case store.SuspensionSuspended:
			h.flash(r, "Suspended: its sites and mail domains are disabled.")
		case store.SuspensionNone:
			h.flash(r, "Unsuspended: everything is back as it was.")
		default:
			h.flash(r, "Recorded; the hosting platform is being updated ("+c.StateDetail+").")
		}
		redirect(w, r, fmt.Sprintf("/customers/%d", c.ID))
		return nil
	}
}

// customerDeleteConfirm serves GET /customers/{customerID}/delete: the confirmation step.
func (h *Handler) customerDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	c, err := h.customerFromRoute(r)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Delete "+c.Name, views.ConfirmDelete(c))
}

// customerDelete serves POST /customers/{customerID}/delete with confirm=yes.
func (h *Handler) customerDelete(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	c, err := h.customerFromRoute(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "confirm")
	if err != nil {
		return err
	}
	if f["confirm"] != "yes" {
		return h.render(w, r, http.StatusUnprocessableEntity, "Delete "+c.Name, views.ConfirmDelete(c))
	}
	if rendered, err := h.needConfirm(w, r, fmt.Sprintf("/customers/%d/delete", c.ID)); rendered || err != nil {
		h.audited(r, p, "customer.delete", string(c.Kind), idString(c.ID), store.OutcomeDenied, "re-authentication needed")
		return err
	}
	if err := h.tenancy.Delete(r.Context(), c.ID); err != nil {
		h.audited(r, p, "customer.delete", string(c.Kind), idString(c.ID), store.OutcomeFailure, err.Error())
		return err
	}
	h.audited(r, p, "customer.delete", string(c.Kind), idString(c.ID), store.OutcomeSuccess, c.ISPUsername)
	after, err := store.NewCustomers(h.pool).ByID(r.Context(), c.ID)
	if err == nil && after.State == store.StateDeleted {
		h.flash(r, c.Name+" was deleted.")
	} else {
		h.flash(r, c.Name+" is being deleted; the hosting platform is still being cleaned up.")
	}
	redirect(w, r, listURL(p.Effective.Role, c.Kind))
	return nil
}

func listURL(role, kind store.Role) string {
	if role == store.RoleReseller {
		return "/reseller/clients"
	}
	return "/admin/" + string(kind) + "s"
}

// customerRetry serves POST /customers/{customerID}/retry for a failed customer.
func (h *Handler) customerRetry(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	c, err := h.customerFromRoute(r)
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	if err := h.tenancy.Retry(r.Context(), c.ID); err != nil {
		return err
	}
	c, err = store.NewCustomers(h.pool).ByID(r.Context(), c.ID)
	if err != nil {
		return err
	}
	h.audited(r, p, "customer.retry", string(c.Kind), idString(c.ID), store.OutcomeSuccess, c.State)
	h.flash(r, stateMessage(c))
	redirect(w, r, fmt.Sprintf("/customers/%d", c.ID))
	return nil
}
