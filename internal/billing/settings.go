package billing

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"portal/internal/fail"
	"portal/internal/hosting"
	"portal/internal/ispapi"
	"portal/internal/store"
)

// issuerScope is the issuer an actor manages: the operator for admins, itself for a reseller; clients none.
func issuerScope(a hosting.Actor) (*int64, error) {
	scope := a.Scope()
	switch {
	case scope.Role == store.RoleAdmin:
		return nil, nil
	case scope.Role == store.RoleReseller && scope.CustomerID != 0:
		id := scope.CustomerID
		return &id, nil
	}
	return nil, store.ErrNotFound
}

// Issuer returns the billing profile the actor issues invoices under.
func (s *Service) Issuer(ctx context.Context, a hosting.Actor) (store.Issuer, error) {
	rid, err := issuerScope(a)
	if err != nil {
		return store.Issuer{}, err
	}
	return store.NewBilling(s.pool).Issuer(ctx, rid, false)
}

// IssuerInput is the settings form: profile, tax and dunning.
type IssuerInput struct {
	LegalName, Address, Country, TaxID, Email string
	VATRate                                   string // percent with up to two decimals: "19" or "7.5"
	NumberPrefix, Currency                    string
	DaysBefore, PaymentTermsDays              string
	ReminderDays                              string // comma-separated day offsets from the due date: "-7,1,3"
	SuspendAfterDays, TerminateAfterDays      string
	TerminateEnabled                          bool
}

// SaveIssuer validates and stores the actor's own issuer settings. The currency (a known ISO 4217 code) can't
// change once the issuer has issued a document (its invoices and credits stay in one currency), nor while its plans
// have prices (amounts in it).
func (s *Service) SaveIssuer(ctx context.Context, a hosting.Actor, in IssuerInput) error {
	rid, err := issuerScope(a)
	if err != nil {
		return err
	}
	errs := fail.Fields{}
	text := func(field, v string, max int, required bool) string {
		v = strings.TrimSpace(v)
		if required && v == "" {
			errs.Add(field, "Enter a value.")
		} else if len(v) > max {
			errs.Add(field, "At most "+strconv.Itoa(max)+" characters.")
		} else if strings.ContainsAny(v, "<>\x00") {
			errs.Add(field, "Remove < and >.")
		}
		return v
	}
	number := func(field, v string, lo, hi int) int {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < lo || n > hi {
			errs.Add(field, "Enter a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+".")
		}
		return n
	}
	var iss store.Issuer
	iss.LegalName = text("legal_name", in.LegalName, 200, true)
	iss.Address = strings.TrimSpace(strings.ReplaceAll(in.Address, "\r\n", "\n"))
	if len(iss.Address) > 500 || strings.ContainsAny(iss.Address, "<>\x00") {
		errs.Add("address", "At most 500 characters, without < and >.")
	}
	iss.Country = strings.ToUpper(text("country", in.Country, 2, true))
	if len(iss.Country) != 2 || strings.Trim(iss.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		errs.Add("country", "Enter a two-letter country code such as DE.")
	}
	iss.TaxID = NormalizeVATID(text("tax_id", in.TaxID, 30, false))
	if iss.TaxID != "" && InEU(iss.Country) && !CheckVATID(iss.Country, iss.TaxID) {
		errs.Add("tax_id", "This is not a VAT id of "+iss.Country+" (it starts with the country code, e.g. "+vatPrefix(iss.Country)+"…).")
	}
	iss.Email = text("email", in.Email, 254, false)
	if iss.Email != "" {
		if _, err := ispapi.NormalizeEmail(iss.Email); err != nil {
			errs.Add("email", "Enter a valid email address.")
		}
	}
	if bp, err := ParseMinor(in.VATRate, "EUR"); err != nil || bp > 10000 { // two decimals of a percent are basis points
		errs.Add("vat_rate", "Enter a percentage from 0 to 100 with at most two decimals.")
	} else {
		iss.VATRateBP = bp
	}
	iss.NumberPrefix = text("number_prefix", in.NumberPrefix, 20, false)
	iss.Currency = strings.ToUpper(strings.TrimSpace(in.Currency))
	if !KnownCurrency(iss.Currency) {
		errs.Add("currency", "Enter a three-letter ISO 4217 currency code such as EUR.")
	}
	iss.DaysBefore = number("days_before", in.DaysBefore, 0, 60)
	iss.PaymentTermsDays = number("payment_terms_days", in.PaymentTermsDays, 0, 90)
	for f := range strings.SplitSeq(in.ReminderDays, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < -60 || n > 365 {
			errs.Add("reminder_days", "Enter day offsets from the due date separated by commas, such as -7, 1, 3.")
			break
		}
		if !slices.Contains(iss.ReminderDays, int32(n)) {
			iss.ReminderDays = append(iss.ReminderDays, int32(n))
		}
	}
	slices.Sort(iss.ReminderDays)
	if iss.ReminderDays == nil {
		iss.ReminderDays = []int32{}
	}
	iss.SuspendAfterDays = number("suspend_after_days", in.SuspendAfterDays, 0, 365)
	iss.TerminateAfterDays = number("terminate_after_days", in.TerminateAfterDays, 1, 3650)
	iss.TerminateEnabled = in.TerminateEnabled
	if len(errs) > 0 {
		return errs.Err()
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := store.NewBilling(tx)
		cur, err := b.Issuer(ctx, rid, true)
		if err != nil {
			return err
		}
		if cur.Currency != iss.Currency && cur.NextNumber > 1 {
			return fail.Field("currency", "The currency can't change after the first invoice.")
		}
		if cur.Currency != iss.Currency {
			// Prices are amounts in the issuer's currency: changing it would silently re-denominate them.
			if prices, err := b.Prices(ctx, rid); err != nil {
				return err
			} else if len(prices) > 0 {
				return fail.Field("currency", "The currency can't change while plans have prices in %s; remove them first.", cur.Currency)
			}
		}
		iss.ID, iss.ResellerID = cur.ID, cur.ResellerID
		if err := b.SaveIssuer(ctx, iss); err != nil {
			return err
		}
		return auditObj(ctx, tx, &a, "billing.settings", "issuer", cur.ID, "")
	})
}

// PriceRow is one plan's prices as the prices screen shows them.
type PriceRow struct {
	Plan   store.Plan
	Prices map[string]store.Price // by kind+"/"+cycle
}

// Prices lists the actor's own plans with their prices.
func (s *Service) Prices(ctx context.Context, a hosting.Actor) ([]PriceRow, store.Issuer, error) {
	rid, err := issuerScope(a)
	if err != nil {
		return nil, store.Issuer{}, err
	}
	iss, err := store.NewBilling(s.pool).Issuer(ctx, rid, false)
	if err != nil {
		return nil, iss, err
	}
	plans, err := store.NewPlans(s.pool).Owned(ctx, rid, "")
	if err != nil {
		return nil, iss, err
	}
	prices, err := store.NewBilling(s.pool).Prices(ctx, rid)
	if err != nil {
		return nil, iss, err
	}
	var out []PriceRow
	for _, p := range plans {
		row := PriceRow{Plan: p, Prices: map[string]store.Price{}}
		for _, pr := range prices {
			if pr.PlanID == p.ID {
				row.Prices[pr.Kind+"/"+pr.Cycle] = pr
			}
		}
		out = append(out, row)
	}
	return out, iss, nil
}

// PlanPricesInput is one plan's row on the prices screen, amounts as typed ("" for none).
type PlanPricesInput struct {
	Monthly, Yearly, SetupFee         string
	WholesaleMonthly, WholesaleYearly string
}

// SetPlanPrices sets (an empty amount: removes) the prices of one of the actor's own plans, in its issuer's
// currency, all or none. Wholesale prices exist only on the operator's plans: on a client plan, what a reseller
// pays per client whose plan it covers; on a reseller plan, what its reseller pays per client no priced operator
// client plan covers.
func (s *Service) SetPlanPrices(ctx context.Context, a hosting.Actor, planID int64, in PlanPricesInput) error {
	rid, err := issuerScope(a)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.Resolve(ctx, tx, a.Scope(), store.KindPlan, planID); err != nil {
			return err
		}
		plan, err := store.NewPlans(tx).ByID(ctx, planID)
		if err != nil {
			return err
		}
		if (plan.ResellerID == nil) != (rid == nil) || (rid != nil && *plan.ResellerID != *rid) {
			return store.ErrNotFound
		}
		b := store.NewBilling(tx)
		iss, err := b.Issuer(ctx, rid, false)
		if err != nil {
			return err
		}
		errs := fail.Fields{}
		amount := func(field, v string) (int64, bool) {
			if strings.TrimSpace(v) == "" {
				return 0, false
			}
			n, err := ParseMinor(v, iss.Currency)
			if err != nil {
				errs.Add(field, err.Error()+".")
			}
			return n, true
		}
		if plan.ResellerID != nil && (in.WholesaleMonthly != "" || in.WholesaleYearly != "") {
			errs.Add("wholesale_monthly", "Wholesale prices are set on the operator's plans only.")
		}
		setup, _ := amount("setup_fee", in.SetupFee)
		type row struct {
			kind, cycle, field, value string
		}
		rows := []row{{store.PriceRetail, store.CycleMonthly, "monthly", in.Monthly}, {store.PriceRetail, store.CycleYearly, "yearly", in.Yearly},
			{store.PriceWholesale, store.CycleMonthly, "wholesale_monthly", in.WholesaleMonthly},
			{store.PriceWholesale, store.CycleYearly, "wholesale_yearly", in.WholesaleYearly}}
		var set []store.Price
		var del []row
		for _, r := range rows {
			n, ok := amount(r.field, r.value)
			if !ok {
				del = append(del, r)
				continue
			}
			p := store.Price{PlanID: planID, Kind: r.kind, Cycle: r.cycle, Currency: iss.Currency, AmountMinor: n}
			if r.kind == store.PriceRetail {
				p.SetupFeeMinor = setup
			}
			set = append(set, p)
		}
		if len(errs) > 0 {
			return errs.Err()
		}
		for _, p := range set {
			if err := b.SetPrice(ctx, p); err != nil {
				return err
			}
		}
		for _, r := range del {
			if err := b.DeletePrice(ctx, planID, r.kind, r.cycle); err != nil {
				return err
			}
		}
		return auditObj(ctx, tx, &a, "billing.price", string(store.KindPlan), planID, "")
	})
}

// ProfileInput is a customer's billing details form.
type ProfileInput struct{ LegalName, Address, Country, VATID string }

// SaveProfile stores the billing details of a customer the actor may see (itself, or one of its clients). A VAT id
// of an EU country is checked offline against that country's format.
func (s *Service) SaveProfile(ctx context.Context, a hosting.Actor, customerID int64, in ProfileInput) error {
	if err := selfOrVisible(ctx, s.pool, a, customerID); err != nil {
		return err
	}
	errs := fail.Fields{}
	p := store.BillingProfile{CustomerID: customerID, LegalName: strings.TrimSpace(in.LegalName),
		Address: strings.TrimSpace(strings.ReplaceAll(in.Address, "\r\n", "\n")), Country: strings.ToUpper(strings.TrimSpace(in.Country)),
		VATID: NormalizeVATID(strings.TrimSpace(in.VATID))}
	if len(p.LegalName) > 200 || strings.ContainsAny(p.LegalName, "<>\x00") {
		errs.Add("legal_name", "At most 200 characters, without < and >.")
	}
	if len(p.Address) > 500 || strings.ContainsAny(p.Address, "<>\x00") {
		errs.Add("address", "At most 500 characters, without < and >.")
	}
	if p.Country != "" && (len(p.Country) != 2 || strings.Trim(p.Country, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		errs.Add("country", "Enter a two-letter country code such as DE.")
	}
	if p.VATID != "" {
		if p.Country == "" {
			errs.Add("country", "Enter the country of the VAT id.")
		} else if len(p.VATID) > 30 || !CheckVATID(p.Country, p.VATID) {
			errs.Add("vat_id", "This is not a valid VAT id of "+p.Country+".")
		}
	}
	if len(errs) > 0 {
		return errs.Err()
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := store.NewBilling(tx).SaveProfile(ctx, p); err != nil {
			return err
		}
		return auditObj(ctx, tx, &a, "billing.profile", string(store.KindCustomer), customerID, "")
	})
}
