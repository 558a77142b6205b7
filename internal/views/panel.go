package views

import (
	"context"
	"strings"

	"portal/internal/i18n"
	"portal/internal/store"
)

// customerStateName is a provisioning or suspension state as pages show it, translated where shown.
func customerStateName(s string) string {
	switch s {
	case store.StatePending:
		return i18n.M("pending")
	case store.StateActive:
		return i18n.M("active")
	case store.StateFailed:
		return i18n.M("failed")
	case store.StateDeleting:
		return i18n.M("deleting")
	case store.StateDeleted:
		return i18n.M("deleted")
	case store.SuspensionSuspending:
		return i18n.M("suspending")
	case store.SuspensionSuspended:
		return i18n.M("suspended")
	case store.SuspensionUnsuspending:
		return i18n.M("unsuspending")
	}
	return s
}

// inviteStateName is an invitation's state as the customer page shows it.
func inviteStateName(s string) string {
	switch s {
	case "pending":
		return i18n.M("pending")
	case "expired":
		return i18n.M("expired")
	case "revoked":
		return i18n.M("revoked")
	case "accepted":
		return i18n.M("accepted")
	case "password set":
		return i18n.M("password set")
	}
	return s
}

// deleteConsequence says what deleting a customer of kind removes.
func deleteConsequence(ctx context.Context, kind store.Role) string {
	if kind == store.RoleReseller {
		return i18n.T(ctx, "This removes the reseller's clients and every site, mail domain, mailbox and domain they have from the hosting platform, then the accounts themselves.")
	}
	return i18n.T(ctx, "This removes every site, mail domain, mailbox and domain of this client from the hosting platform, then the account itself.")
}

// LimitTextCtx is a limit in the page's language: unlimited, none, or the number with its unit.
func LimitTextCtx(ctx context.Context, n int, unit string) string {
	switch n {
	case store.Unlimited:
		return i18n.T(ctx, "unlimited")
	case 0:
		return i18n.T(ctx, "none")
	}
	return numUnit(ctx, n, unit)
}

// resellerList reports whether a customer list at base lists resellers (else clients).
func resellerList(base string) bool { return strings.HasSuffix(base, "/resellers") }

// listWords are a customer list's "New" button, empty state and no-match text.
func listWords(ctx context.Context, base string) (newLabel, empty, noMatch string) {
	if resellerList(base) {
		return i18n.T(ctx, "New reseller"), i18n.T(ctx, "No resellers yet."), i18n.T(ctx, "No resellers match.")
	}
	return i18n.T(ctx, "New client"), i18n.T(ctx, "No clients yet."), i18n.T(ctx, "No clients match.")
}

// Num is n in the page's notation (12,345 or 12.345).
func Num(ctx context.Context, n int) string { return i18n.Number(ctx, int64(n)) }

// problemText says what is wrong with an object in the dashboard's attention list.
func problemText(state string) string {
	if state == store.StateFailed {
		return i18n.M("failed")
	}
	return i18n.M("being set up")
}

// outcomeName is an audit outcome as the dashboard shows it.
func outcomeName(o string) string {
	switch o {
	case store.OutcomeFailure:
		return i18n.M("failed")
	case store.OutcomeDenied:
		return i18n.M("refused")
	case store.OutcomeUnknown:
		return i18n.M("outcome unknown")
	}
	return o
}

// actions names the audit log's common actions for the dashboards' recent activity; others show as recorded.
var actions = map[string]string{
	"signin.success": i18n.M("Signed in"), "signin.failure": i18n.M("Sign-in failed"), "signin.lockout": i18n.M("Sign-in locked"),
	"customer.create": i18n.M("Client created"), "customer.edit": i18n.M("Client details changed"),
	"customer.plan": i18n.M("Plan changed"), "customer.delete": i18n.M("Client deleted"),
	"customer.suspend": i18n.M("Client suspended"), "customer.unsuspend": i18n.M("Client unsuspended"),
	"customer.retry": i18n.M("Set-up retried"), "plan.create": i18n.M("Plan created"), "plan.update": i18n.M("Plan changed"),
	"plan.delete": i18n.M("Plan deleted"), "site.create": i18n.M("Site added"), "site.update": i18n.M("Site changed"),
	"site.delete": i18n.M("Site deleted"), "mail_domain.create": i18n.M("Mail domain added"),
	"mail_domain.delete": i18n.M("Mail domain deleted"), "mailbox.create": i18n.M("Mailbox added"),
	"mailbox.delete": i18n.M("Mailbox deleted"), "mailbox.password": i18n.M("Mailbox password changed"),
	"domain.create": i18n.M("Domain added"), "domain.delete": i18n.M("Domain deleted"),
	"brand.save": i18n.M("Branding changed"), "impersonate.start": i18n.M("Started acting as another account"),
	"impersonate.stop": i18n.M("Stopped acting as another account"),
}

func actionName(a string) string {
	if s, ok := actions[a]; ok {
		return s
	}
	return a
}
