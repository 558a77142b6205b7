package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/a-h/templ"

	"portal/internal/billing"
	"portal/internal/i18n"
	"portal/internal/store"
	"portal/internal/views"
)

func invoiceRows(list []store.Invoice) []views.InvoiceRow {
	out := make([]views.InvoiceRow, len(list))
	for i, inv := range list {
		kind := "invoice"
		if inv.Kind == store.KindCreditNote {
			kind = "credit note"
		}
		out[i] = views.InvoiceRow{ID: inv.ID, Number: inv.Number, Kind: kind, State: inv.State, Customer: inv.CustomerName,
			Issued: inv.IssuedOn, Due: inv.DueOn, Total: inv.TotalMinor, Open: inv.Open(), Currency: inv.Currency}
	}
	return out
}

// invoiceList serves GET /invoices (every role): the invoices the account sees, filtered by state, customer and
// issue date, with totals per state.
func (h *Handler) invoiceList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	p, _ := principalFrom(r.Context())
	d := views.InvoicesData{State: q.Get("state"), Customer: q.Get("customer"), ClientQuery: q.Get("client_q"), From: q.Get("from"), To: q.Get("to"),
		ShowCustomerFilter: p.Effective.Role != store.RoleClient, Errs: views.FieldErrors{},
		Pager: views.ObjectPager{Base: "/invoices", First: true}} // a refused filter lists nothing, with no page links
	f := store.InvoiceFilter{State: d.State, ClientQuery: d.ClientQuery}
	if d.Customer != "" {
		id, err := strconv.ParseInt(d.Customer, 10, 64)
		if err != nil || id <= 0 {
			d.Errs["form"] = "The customer is a number."
		}
		f.CustomerID = id
	}
	for _, x := range []struct {
		v   string
		dst **time.Time
	}{{d.From, &f.From}, {d.To, &f.To}} {
		if x.v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, x.v)
		if err != nil {
			d.Errs["form"] = "Dates are YYYY-MM-DD."
			continue
		}
		*x.dst = &t
	}
	lq, err := listQuery(r) // the page's key: after or before a document
	if err != nil {
		return err
	}
	f.Keyset = lq.Keyset
	// An unreadable filter lists nothing rather than everything; its form keeps its customer filter.
	refused := func() error {
		if d.ShowCustomerFilter {
			if d.Picker, err = h.clientPicker(r.Context(), r, "buyers", d.ClientQuery, d.Customer, 0); err != nil {
				return err
			}
		}
		return h.render(w, r, http.StatusUnprocessableEntity, "Invoices", views.InvoicesPage(d))
	}
	if len(d.Errs) > 0 {
		return refused()
	}
	list, err := h.billing.Invoices(r.Context(), h.actor(r), f)
	if fe := fieldErrors(r, err); fe != nil {
		d.Errs["form"] = fe["state"]
		return refused()
	} else if err != nil {
		return err
	}
	d.Rows = invoiceRows(list.Invoices)
	d.Pager = objectPager("/invoices", views.ListQuery{}, list.Paging)
	d.Pager.Filters = []string{"state", d.State, "customer", d.Customer, "from", d.From, "to", d.To}
	d.Picker = pickerOf(r.Context(), "buyers", d.ClientQuery, list.Choices)
	for _, t := range list.Totals {
		label := t.State
		if t.Kind == store.KindCreditNote {
			label = "credit notes"
		}
		d.Totals = append(d.Totals, views.TotalRow{State: label + " (" + t.Currency + ")", Count: int64(t.Count),
			Total: t.Total, Open: t.Open, Currency: t.Currency})
	}
	d.Credit = list.Credit
	return h.render(w, r, http.StatusOK, "Invoices", views.InvoicesPage(d))
}

func party(p billing.Party) views.PartyView {
	var addr []string
	if p.Address != "" {
		addr = strings.Split(p.Address, "\n")
	}
	return views.PartyView{Name: p.Name, Address: addr, Country: p.Country, TaxID: p.TaxID, Email: p.Email}
}

// invoiceData turns an invoice into the detail screen's view model.
func invoiceData(v billing.InvoiceView) views.InvoiceData {
	d, inv := v.Document, v.Invoice
	out := views.InvoiceData{ID: inv.ID, Kind: d.Kind, Title: "Invoice", Number: d.Number, Issued: d.IssuedOn.Format(time.DateOnly),
		Due: d.DueOn.Format(time.DateOnly), Credits: d.Credits, Seller: party(d.Seller), Buyer: party(d.Buyer),
		Currency: d.Currency, Net: d.NetMinor, Tax: d.TaxMinor, Total: d.TotalMinor, Notes: d.Notes, Hash: inv.Hash,
		State: inv.State, Paid: inv.PaidMinor, Open: inv.Open(), CanManage: v.CanManage,
		CanPay: v.CanPay, PayOnline: v.PayOnline, CreditNotes: invoiceRows(v.CreditNotes), Errs: views.FieldErrors{}}
	if d.Kind == billing.KindCreditNote {
		out.Title = "Credit note"
	}
	if !d.PeriodFrom.IsZero() {
		out.Period = d.PeriodFrom.Format(time.DateOnly) + " to " + d.PeriodTo.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	for i, l := range d.Lines {
		line := views.DocLineView{Description: l.Description, Quantity: l.Quantity, Unit: l.UnitMinor, Net: l.NetMinor,
			RateBP: l.TaxRateBP, Tax: l.TaxMinor}
		if i < len(v.Uncredited) && v.Uncredited[i] > 0 && i < maxCreditLines {
			line.Creditable = v.Uncredited[i]
			out.Creditable = true
		}
		out.Lines = append(out.Lines, line)
	}
	for _, t := range d.TaxLines {
		out.TaxLines = append(out.TaxLines, views.DocTaxView{RateBP: t.RateBP, Net: t.NetMinor, Tax: t.TaxMinor})
	}
	for _, p := range v.Payments {
		out.Payments = append(out.Payments, views.PaymentView{Provider: p.Provider, Reference: p.Reference,
			Amount: p.AmountMinor, Currency: p.Currency, PaidAt: p.PaidAt.UTC().Format(time.DateOnly)})
	}
	return out
}

// invoiceShow serves GET /invoices/{invoiceID}: its issuer, its buyer and admins see the document as issued.
func (h *Handler) invoiceShow(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "invoiceID")
	if err != nil {
		return err
	}
	v, err := h.billing.Invoice(r.Context(), h.actor(r), id)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, v.Invoice.Number, views.InvoicePage(invoiceData(v)))
}

// invoicePDF serves GET /invoices/{invoiceID}/pdf.
func (h *Handler) invoicePDF(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "invoiceID")
	if err != nil {
		return err
	}
	pdf, name, err := h.billing.InvoicePDF(r.Context(), h.actor(r), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf("inline; filename=%q", name))
	_, _ = w.Write(pdf)
	return nil
}

// invoicePayment serves POST /invoices/{invoiceID}/payments: the issuer (or an admin) records a bank transfer or
// cash payment with its reference.
func (h *Handler) invoicePayment(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "invoiceID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "provider", "amount", "reference", "paid_on")
	if err != nil {
		return err
	}
	var paidOn time.Time
	if f["paid_on"] != "" {
		if paidOn, err = time.Parse(time.DateOnly, f["paid_on"]); err != nil {
			return h.invoiceFormErrors(w, r, id, f, views.FieldErrors{"paid_on": i18n.T(r.Context(), "Enter a date as YYYY-MM-DD.")})
		}
	}
	err = h.billing.RecordPayment(r.Context(), h.actor(r), id, f["provider"], f["amount"], f["reference"], paidOn)
	if err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error { return h.invoiceFormErrors(w, r, id, f, errs) })
	}
	h.flash(r, "Payment recorded.")
	redirect(w, r, fmt.Sprintf("/invoices/%d", id))
	return nil
}

func (h *Handler) invoiceFormErrors(w http.ResponseWriter, r *http.Request, id int64, f form, errs views.FieldErrors) error {
	v, err := h.billing.Invoice(r.Context(), h.actor(r), id)
	if err != nil {
		return err
	}
	d := invoiceData(v)
	d.Errs, d.PayAmount, d.PayReference, d.PayProvider, d.PayDate = errs, f["amount"], f["reference"], f["provider"], f["paid_on"]
	return h.render(w, r, http.StatusUnprocessableEntity, v.Invoice.Number, views.InvoicePage(d))
}

// creditFields are the partial credit form's fields: "partial" and one amount per invoice line (line_0 …).
var creditFields = func() []string {
	out := []string{"partial"}
	for i := range maxCreditLines {
		out = append(out, "line_"+strconv.Itoa(i))
	}
	return out
}()

// maxCreditLines is how many lines the partial credit form may name; invoices have far fewer.
const maxCreditLines = 200

// invoiceCredit serves POST /invoices/{invoiceID}/credit: the issuer (or an admin) cancels the invoice with a
// credit note over its full amount, or (partial=1) credits net amounts on some of its lines, with their VAT.
func (h *Handler) invoiceCredit(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "invoiceID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, creditFields...)
	if err != nil {
		return err
	}
	var cn store.Invoice
	if f["partial"] == "" {
		if len(f) > 0 {
			return userErr(http.StatusBadRequest, "The form has a field this page does not accept.")
		}
		cn, err = h.billing.CreditInvoice(r.Context(), h.actor(r), id)
	} else {
		amounts := map[int]string{}
		for k, v := range f {
			if n, ok := strings.CutPrefix(k, "line_"); ok && v != "" {
				i, _ := strconv.Atoi(n)
				amounts[i] = v
			}
		}
		cn, err = h.billing.CreditLines(r.Context(), h.actor(r), id, amounts)
	}
	if err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			v, err := h.billing.Invoice(r.Context(), h.actor(r), id)
			if err != nil {
				return err
			}
			d := invoiceData(v)
			d.CreditErrs, d.CreditAmounts = errs, map[int]string{}
			for k, val := range f {
				if n, ok := strings.CutPrefix(k, "line_"); ok {
					i, _ := strconv.Atoi(n)
					d.CreditAmounts[i] = val
				}
			}
			return h.render(w, r, http.StatusUnprocessableEntity, v.Invoice.Number, views.InvoicePage(d))
		})
	}
	h.flash(r, "Credit note %s issued.", cn.Number)
	redirect(w, r, fmt.Sprintf("/invoices/%d", cn.ID))
	return nil
}

// price is the amount of a plan's price, nil when the plan has none of that kind and cycle.
func price(m map[string]store.Price, key string) *int64 {
	p, ok := m[key]
	if !ok {
		return nil
	}
	return &p.AmountMinor
}

// priceList serves GET /billing/prices (admins: the operator's plans; resellers: their own).
func (h *Handler) priceList(w http.ResponseWriter, r *http.Request) error {
	return h.renderPrices(w, r, http.StatusOK, nil)
}

func (h *Handler) renderPrices(w http.ResponseWriter, r *http.Request, status int, errs views.FieldErrors) error {
	rows, iss, err := h.billing.Prices(r.Context(), h.actor(r))
	if err != nil {
		return err
	}
	out := make([]views.PriceRowView, len(rows))
	for i, row := range rows {
		var setup *int64
		for _, k := range []string{"retail/monthly", "retail/yearly"} {
			if p, ok := row.Prices[k]; ok && p.SetupFeeMinor > 0 {
				setup = &p.SetupFeeMinor
			}
		}
		out[i] = views.PriceRowView{PlanID: row.Plan.ID, Plan: row.Plan.Name, Audience: string(row.Plan.Audience) + "s",
			Currency: iss.Currency, Monthly: price(row.Prices, "retail/monthly"), Yearly: price(row.Prices, "retail/yearly"),
			Setup: setup, WholesaleMonthly: price(row.Prices, "wholesale/monthly"), WholesaleYearly: price(row.Prices, "wholesale/yearly"),
			Wholesale: row.Plan.ResellerID == nil}
	}
	return h.render(w, r, status, "Prices", views.PricesPage(iss.Currency, out, errs))
}

// priceSet serves POST /billing/prices/{planID}: one plan's prices (the choke point checks the plan is the
// account's own: the operator's for admins, the reseller's for a reseller).
func (h *Handler) priceSet(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "planID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "monthly", "yearly", "setup_fee", "wholesale_monthly", "wholesale_yearly")
	if err != nil {
		return err
	}
	err = h.billing.SetPlanPrices(r.Context(), h.actor(r), id, billing.PlanPricesInput{Monthly: f["monthly"], Yearly: f["yearly"],
		SetupFee: f["setup_fee"], WholesaleMonthly: f["wholesale_monthly"], WholesaleYearly: f["wholesale_yearly"]})
	if err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			return h.renderPrices(w, r, http.StatusUnprocessableEntity, errs)
		})
	}
	h.flash(r, "Prices saved.")
	redirect(w, r, "/billing/prices")
	return nil
}

var issuerFields = []string{"legal_name", "address", "country", "tax_id", "email", "vat_rate", "number_prefix", "currency",
	"days_before", "payment_terms_days", "reminder_days", "suspend_after_days", "terminate_after_days", "terminate_enabled"}

// billingSettings serves GET /billing/settings (admins: the operator's issuer profile; resellers: their own).
func (h *Handler) billingSettings(w http.ResponseWriter, r *http.Request) error {
	iss, err := h.billing.Issuer(r.Context(), h.actor(r))
	if err != nil {
		return err
	}
	days := make([]string, len(iss.ReminderDays))
	for i, d := range iss.ReminderDays {
		days[i] = strconv.Itoa(int(d))
	}
	v := views.IssuerFormValues{LegalName: iss.LegalName, Address: iss.Address, Country: iss.Country, TaxID: iss.TaxID,
		Email: iss.Email, VATRate: i18n.From(r.Context()).Decimal(iss.VATRateBP, 2), NumberPrefix: iss.NumberPrefix, Currency: iss.Currency,
		DaysBefore: strconv.Itoa(iss.DaysBefore), PaymentTermsDays: strconv.Itoa(iss.PaymentTermsDays),
		ReminderDays: strings.Join(days, ", "), SuspendAfterDays: strconv.Itoa(iss.SuspendAfterDays),
		TerminateAfterDays: strconv.Itoa(iss.TerminateAfterDays), TerminateEnabled: iss.TerminateEnabled,
		NextNumber: fmt.Sprintf("%s%06d", iss.NumberPrefix, iss.NextNumber)}
	return h.render(w, r, http.StatusOK, "Billing settings", views.BillingSettingsPage(v, nil))
}

// billingSettingsSave serves POST /billing/settings.
func (h *Handler) billingSettingsSave(w http.ResponseWriter, r *http.Request) error {
	f, err := parseForm(r, issuerFields...)
	if err != nil {
		return err
	}
	in := billing.IssuerInput{LegalName: f["legal_name"], Address: f["address"], Country: f["country"], TaxID: f["tax_id"],
		Email: f["email"], VATRate: f["vat_rate"], NumberPrefix: f["number_prefix"], Currency: f["currency"],
		DaysBefore: f["days_before"], PaymentTermsDays: f["payment_terms_days"], ReminderDays: f["reminder_days"],
		SuspendAfterDays: f["suspend_after_days"], TerminateAfterDays: f["terminate_after_days"], TerminateEnabled: checked(f["terminate_enabled"])}
	if err := h.billing.SaveIssuer(r.Context(), h.actor(r), in); err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			v := views.IssuerFormValues{LegalName: in.LegalName, Address: in.Address, Country: in.Country, TaxID: in.TaxID,
				Email: in.Email, VATRate: in.VATRate, NumberPrefix: in.NumberPrefix, Currency: in.Currency, DaysBefore: in.DaysBefore,
				PaymentTermsDays: in.PaymentTermsDays, ReminderDays: in.ReminderDays, SuspendAfterDays: in.SuspendAfterDays,
				TerminateAfterDays: in.TerminateAfterDays, TerminateEnabled: in.TerminateEnabled}
			return h.render(w, r, http.StatusUnprocessableEntity, "Billing settings", views.BillingSettingsPage(v, errs))
		})
	}
	h.flash(r, "Billing settings saved.")
	redirect(w, r, "/billing/settings")
	return nil
}

// customerBillingData is a customer's billing box, with errs and the typed profile when a form was refused.
func (h *Handler) customerBillingData(r *http.Request, id int64) (views.CustomerBillingData, error) {
	cb, err := h.billing.CustomerBilling(r.Context(), h.actor(r), id)
	if err != nil {
		return views.CustomerBillingData{}, err
	}
	d := views.CustomerBillingData{CustomerID: id, Credit: cb.Credit, Currency: cb.Currency, LegalName: cb.Profile.LegalName,
		Address: cb.Profile.Address, Country: cb.Profile.Country, VATID: cb.Profile.VATID, Errs: views.FieldErrors{}}
	if s := cb.Subscription; s != nil {
		d.Subscribed, d.Cycle, d.State, d.NextDue = true, s.Cycle, s.State, s.NextDueOn.Format(time.DateOnly)
	}
	return d, nil
}

// customerSubscribe serves POST /customers/{customerID}/subscription: start billing a customer on its plan.
func (h *Handler) customerSubscribe(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "customerID")
	if err != nil {
		return err
	}
	f, err := parseForm(r, "cycle", "start")
	if err != nil {
		return err
	}
	if err := h.billing.SubscribeCustomer(r.Context(), h.actor(r), id, f["cycle"], f["start"]); err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			d, err := h.customerBillingData(r, id)
			if err != nil {
				return err
			}
			d.Errs = errs
			return h.render(w, r, http.StatusUnprocessableEntity, "Billing", views.CustomerBilling(d))
		})
	}
	h.flash(r, "Billing started.")
	redirect(w, r, fmt.Sprintf("/customers/%d", id))
	return nil
}

// customerBillingProfile serves POST /customers/{customerID}/billing-profile.
func (h *Handler) customerBillingProfile(w http.ResponseWriter, r *http.Request) error {
	id, err := ownedID(r, "customerID")
	if err != nil {
		return err
	}
	return h.saveProfile(w, r, id, fmt.Sprintf("/customers/%d", id), func(d views.CustomerBillingData) templ.Component {
		return views.CustomerBilling(d)
	})
}

// accountBilling serves GET /account/billing: a client's or reseller's own billing details and credit.
func (h *Handler) accountBilling(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	if p.Effective.CustomerID == nil {
		return errNotFound
	}
	d, err := h.customerBillingData(r, *p.Effective.CustomerID)
	if err != nil {
		return err
	}
	return h.render(w, r, http.StatusOK, "Billing details", views.AccountBillingPage(d))
}

// accountBillingSave serves POST /account/billing.
func (h *Handler) accountBillingSave(w http.ResponseWriter, r *http.Request) error {
	p, _ := principalFrom(r.Context())
	if p.Effective.CustomerID == nil {
		return errNotFound
	}
	return h.saveProfile(w, r, *p.Effective.CustomerID, "/account/billing", views.AccountBillingPage)
}

func (h *Handler) saveProfile(w http.ResponseWriter, r *http.Request, id int64, back string, page func(views.CustomerBillingData) templ.Component) error {
	f, err := parseForm(r, "legal_name", "address", "country", "vat_id")
	if err != nil {
		return err
	}
	in := billing.ProfileInput{LegalName: f["legal_name"], Address: f["address"], Country: f["country"], VATID: f["vat_id"]}
	if err := h.billing.SaveProfile(r.Context(), h.actor(r), id, in); err != nil {
		return h.formError(w, r, err, func(errs views.FieldErrors) error {
			d, err := h.customerBillingData(r, id)
			if err != nil {
				return err
			}
			d.Errs, d.LegalName, d.Address, d.Country, d.VATID = errs, in.LegalName, in.Address, in.Country, in.VATID
			return h.render(w, r, http.StatusUnprocessableEntity, "Billing details", page(d))
		})
	}
	h.flash(r, "Billing details saved.")
	redirect(w, r, back)
	return nil
}

// resellerBilling is the billing box of a reseller's dashboard.
func (h *Handler) resellerBilling(r *http.Request) (templ.Component, error) {
	s, err := h.billing.ResellerSummary(r.Context(), h.actor(r))
	if err != nil {
		return nil, err
	}
	return views.ResellerBillingSummary(amounts(s.Revenue), amounts(s.Open), amounts(s.WholesaleOpen), s.LastBillID, s.LastBillNumber), nil
}

// amounts hands billing's sums (per currency) to a view, which writes them in the page's language.
func amounts(ms []billing.Money) []store.Amount {
	out := make([]store.Amount, len(ms))
	for i, m := range ms {
		out[i] = store.Amount{Minor: m.Minor, Currency: m.Currency}
	}
	return out
}
