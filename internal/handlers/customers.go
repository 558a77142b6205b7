package handlers

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"portal/internal/fail"
	"portal/internal/i18n"
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
		switch lq.Only = r.URL.Query().Get("only"); lq.Only {
		case "", "failed", "pending", "suspended", "over":
		default:
			return userErr(http.StatusBadRequest, "Unknown filter.")
		}
		list, pg, err := h.tenancy.Customers(r.Context(), h.actor(r), store.CustomerFilter{
			Kind: kind, Query: lq.Q, Only: lq.Only, Sort: lq.Sort, Desc: lq.Desc, Keyset: lq.Keyset, PerPage: lq.Per,
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

// customerNew serves GET /admin/resellers/new, /admin/clients/new and /reseller/clients/new.
func (h *Handler) customerNew(kind store.Role, action string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		c, err := h.tenancy.CreatableFor(r.Context(), h.actor(r), kind)
		if err != nil {
			return err
		}
		title := newCustomerTitle(r, kind)
		return h.render(w, r, http.StatusOK, title, views.CustomerForm(title, action, c.Plans, views.CustomerFormValues{}, nil))
	}
}

// newCustomerTitle is the title of the form for a new reseller or client.
func newCustomerTitle(r *http.Request, kind store.Role) string {
	if kind == store.RoleReseller {
		return i18n.T(r.Context(), "New reseller")
	}
	return i18n.T(r.Context(), "New client")
}

// customerCreate serves POST /admin/resellers, /admin/clients and /reseller/clients.
func (h *Handler) customerCreate(kind store.Role, action string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		f, err := parseForm(r, "name", "company", "email", "username", "access", "password", "plan_id")
		if err != nil {
			return err
		}
		d := tenancy.CustomerDraft{Name: f["name"], Company: f["company"], Email: f["email"], Username: f["username"],
			Access: f["access"], Password: f["password"], PlanID: f["plan_id"]}
		if d.Access == "" { // a form without the choice: a password given means "set it now"
			d.Access = "invite"
			if d.Password != "" {
				d.Access = "password"
			}
		}
		cust, err := h.tenancy.CreateCustomer(r.Context(), h.actor(r), kind, d)
		if fe, ok := fail.As(err); ok && fe.Status != http.StatusNotFound {
			c, cerr := h.tenancy.CreatableFor(r.Context(), h.actor(r), kind)
			if cerr != nil {
				return cerr
			}
			planID, _ := strconv.ParseInt(d.PlanID, 10, 64)
			v := views.CustomerFormValues{Name: d.Name, Company: d.Company, Email: d.Email, Username: d.Username,
				Access: d.Access, PlanID: planID}
			title := newCustomerTitle(r, kind)
			return h.render(w, r, http.StatusUnprocessableEntity, title, views.CustomerForm(title, action, c.Plans, v, formFields(r, fe)))
		}
		if err != nil {
			return err
		}
		h.flashState(r, cust)
		redirect(w, r, fmt.Sprintf("/customers/%d", cust.ID))
		return nil
	}
}

// formFields is a refusal as a form shows it: its field errors, or its message above the form.
func formFields(r *http.Request, fe *fail.Error) views.FieldErrors {
	if fields := fieldErrors(r, fe); fields != nil {
		return fields
	}
	return views.FieldErrors{"form": fe.In(i18n.From(r.Context()))}
}

// flashState tells what became of a new or retried customer.
func (h *Handler) flashState(r *http.Request, c store.Customer) {
	switch c.State {
	case store.StateActive:
		h.flash(r, "%s is set up.", c.Name)
	case store.StatePending:
		h.flash(r, "%s is recorded; the hosting platform has not confirmed it yet (%s).", c.Name, i18n.Kept(c.StateDetail))
	case store.StateFailed:
		h.flash(r, "%s could not be set up: %s", c.Name, i18n.Kept(c.StateDetail))
	default:
		h.flash(r, "%s: %s", c.Name, i18n.Msg(c.State))
	}
}

// customerShow serves GET /customers/{customerID} (admins: any customer; resellers: their clients).
func (h *Handler) customerShow(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "customerID")
	if err != nil {
		return err
	}
	a := h.actor(r)
	v, err := h.tenancy.Customer(r.Context(), a, id)
	if err != nil {
		return err
	}
	inv, err := h.access.StateOf(r.Context(), id)
	if err != nil {
		return err
	}
	page := views.CustomerDetail(views.CustomerPage{Customer: v.Customer, Plan: v.Plan, Usage: v.Usage, Plans: v.Plans,
		Holdings: v.Holdings, CanImpersonate: !a.Impersonating(),
		Invite:          views.InviteInfo{State: inv.State, Email: inv.Email, Sent: inv.Sent, Until: inv.Until},
		CanResetFactors: a.Effective.Role == store.RoleAdmin && !a.Impersonating()})
	if h.billing != nil && v.Customer.State != store.StateDeleted {
		bd, err := h.customerBillingData(r, id)
		if err != nil {
			return err
		}
		page = templ.Join(page, views.CustomerBilling(bd))
	}
	return h.render(w, r, http.StatusOK, v.Customer.Name, page)
}

// customerResetFactors serves POST /customers/{customerID}/second-factors/reset: an admin (acting as itself, having
// confirmed it is them within the last 5 minutes) removes the customer's authenticator app, recovery codes and
// passkeys; the customer is told by mail.
func (h *Handler) customerResetFactors(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "customerID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	if done, err := h.needConfirm(w, r, fmt.Sprintf("/customers/%d", id)); done || err != nil {
		return err
	}
	res, err := h.factors.Reset(r.Context(), h.factorsActor(r), id)
	if err != nil {
		return err
	}
	h.flash(r, "The second factors of %s are removed; they were told by email.", res.Account.Email)
	redirect(w, r, fmt.Sprintf("/customers/%d", id))
	return nil
}

// customerEditForm serves GET /customers/{customerID}/edit.
func (h *Handler) customerEditForm(w http.ResponseWriter, r *http.Request) error {
	c, err := h.customerFromRoute(r)
	if err != nil {
		return err
	}
	v := views.CustomerFormValues{Name: c.Name, Company: c.Company, Email: c.Email}
	return h.render(w, r, http.StatusOK, i18n.Tf(r.Context(), "Edit %s", c.Name), views.CustomerEditForm(c, v, nil))
}

// customerFromRoute loads the customer named by {customerID} for the acting account.
func (h *Handler) customerFromRoute(r *http.Request) (store.Customer, error) {
	id, err := ownedID(r, "customerID")
	if err != nil {
		return store.Customer{}, err
	}
	v, err := h.tenancy.Customer(r.Context(), h.actor(r), id)
	return v.Customer, err
}

// customerEdit serves POST /customers/{customerID}/edit: contact details and sign-in email, in ISPConfig first.
func (h *Handler) customerEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "customerID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "name", "company", "email")
	if err != nil {
		return err
	}
	err = h.tenancy.EditCustomer(r.Context(), h.actor(r), id, f["name"], f["company"], f["email"])
	if fe, ok := fail.As(err); ok && fe != fail.ErrReauth && fe.Status != http.StatusNotFound {
		c, cerr := h.customerFromRoute(r)
		if cerr != nil {
			return cerr
		}
		v := views.CustomerFormValues{Name: f["name"], Company: f["company"], Email: f["email"]}
		return h.render(w, r, http.StatusUnprocessableEntity, i18n.Tf(r.Context(), "Edit %s", c.Name), views.CustomerEditForm(c, v, formFields(r, fe)))
	}
	if err != nil {
		return err
	}
	h.flash(r, "Saved.")
	redirect(w, r, fmt.Sprintf("/customers/%d", id))
	return nil
}

// customerPlan serves POST /customers/{customerID}/plan: move to another of the owner's plans.
func (h *Handler) customerPlan(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "customerID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "plan_id")
	if err != nil {
		return err
	}
	over, err := h.tenancy.ChangeCustomerPlan(r.Context(), h.actor(r), id, f["plan_id"])
	if err != nil {
		return err
	}
	if len(over) > 0 {
		h.flash(r, "The plan was changed. These clients' plans now allow more than it does: %s.", strings.Join(over, "; "))
	} else {
		h.flash(r, "The plan was changed.")
	}
	redirect(w, r, fmt.Sprintf("/customers/%d", id))
	return nil
}

// customerSuspend serves POST /customers/{customerID}/suspend and /unsuspend.
func (h *Handler) customerSuspend(suspend bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := ownedID(r, "customerID")
		if err != nil {
			return err
		}
		if _, err := parseForm(r); err != nil {
			return err
		}
		c, err := h.tenancy.SuspendCustomer(r.Context(), h.actor(r), id, suspend)
		if err != nil {
			return err
		}
		switch c.Suspension {
		case store.SuspensionSuspended:
			h.flash(r, "Suspended: its sites and mail domains are disabled.")
		case store.SuspensionNone:
			h.flash(r, "Unsuspended: everything is back as it was.")
		default:
			h.flash(r, "Recorded; the hosting platform is being updated (%s).", i18n.Kept(c.StateDetail))
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
	return h.render(w, r, http.StatusOK, i18n.Tf(r.Context(), "Delete %s", c.Name), views.CustomerDeletePage(c))
}

// customerDelete serves POST /customers/{customerID}/delete with confirm=yes.
func (h *Handler) customerDelete(w http.ResponseWriter, r *http.Request) error {
	c, err := h.customerFromRoute(r)
	if err != nil {
		return err
	}
	f, err := parseForm(r, "confirm")
	if err != nil {
		return err
	}
	if f["confirm"] != "yes" {
		return h.render(w, r, http.StatusUnprocessableEntity, i18n.Tf(r.Context(), "Delete %s", c.Name), views.CustomerDeletePage(c))
	}
	a := h.actor(r)
	after, err := h.tenancy.DeleteCustomer(r.Context(), a, c.ID)
	if err != nil {
		return err
	}
	if after.State == store.StateDeleted {
		h.flash(r, "%s was deleted.", c.Name)
	} else {
		h.flash(r, "%s is being deleted; the hosting platform is still being cleaned up.", c.Name)
	}
	redirect(w, r, listURL(a.Effective.Role, c.Kind))
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
	id, err := ownedID(r, "customerID")
	if err != nil {
		return err
	}
	if _, err := parseForm(r); err != nil {
		return err
	}
	c, err := h.tenancy.RetryCustomer(r.Context(), h.actor(r), id)
	if err != nil {
		return err
	}
	h.flashState(r, c)
	redirect(w, r, fmt.Sprintf("/customers/%d", c.ID))
	return nil
}
