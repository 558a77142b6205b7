package views

import (
	"context"
	"strings"

	"portal/internal/i18n"
	"portal/internal/store"
)

// stateWords names, for the catalogue, the state words pages show: a customer's provisioning and suspension
// state, an invitation's state and an audit outcome. Each is translated where shown (stateWord).
var stateWords = map[string]string{
	store.StatePending:           i18n.M("pending"),
	store.StateActive:            i18n.M("active"),
	store.StateFailed:            i18n.M("failed"),
	store.StateDeleting:          i18n.M("deleting"),
	store.StateDeleted:           i18n.M("deleted"),
	store.SuspensionSuspending:   i18n.M("suspending"),
	store.SuspensionSuspended:    i18n.M("suspended"),
	store.SuspensionUnsuspending: i18n.M("unsuspending"),
	"expired":                    i18n.M("expired"), // invitations
	"revoked":                    i18n.M("revoked"),
	"accepted":                   i18n.M("accepted"),
	"password set":               i18n.M("password set"),
	store.OutcomeFailure:         i18n.M("failed"), // audit outcomes
	store.OutcomeDenied:          i18n.M("refused"),
	store.OutcomeUnknown:         i18n.M("outcome unknown"),
}

// stateWord is a state (or audit outcome) as pages show it, in the page's language; one the table doesn't name
// shows as it is.
func stateWord(ctx context.Context, s string) string {
	if w, ok := stateWords[s]; ok {
		s = w
	}
	return i18n.T(ctx, s)
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

// actions names every audit action for the dashboards' recent activity (TestActionNames_EveryAuditAction finds them
// in the code); an action missing here would show as recorded.
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
	"impersonate.stop":                i18n.M("Stopped acting as another account"),
	"account.language":                i18n.M("Language changed"),
	"billing.price":                   i18n.M("Price changed"),
	"billing.profile":                 i18n.M("Billing details changed"),
	"billing.settings":                i18n.M("Billing settings changed"),
	"customer.terminate":              i18n.M("Client terminated"),
	"domain.move":                     i18n.M("Domain moved"),
	"drift.adopt":                     i18n.M("Platform record taken over"),
	"drift.check":                     i18n.M("Consistency check run"),
	"drift.forget":                    i18n.M("Missing record forgotten"),
	"drift.push":                      i18n.M("Record written to the platform again"),
	"email.change.confirm":            i18n.M("Email address changed"),
	"email.change.request":            i18n.M("Email address change requested"),
	"impersonate.expire":              i18n.M("Acting as another account ended"),
	"invite.accept":                   i18n.M("Invitation accepted"),
	"invite.resend":                   i18n.M("Invitation sent again"),
	"invoice.credit":                  i18n.M("Credit note issued"),
	"invoice.dunning_suspend":         i18n.M("Suspended for an unpaid invoice"),
	"invoice.dunning_terminate":       i18n.M("Terminated for an unpaid invoice"),
	"invoice.payment":                 i18n.M("Payment recorded"),
	"mail.resend":                     i18n.M("Email sent again"),
	"mail_domain.active":              i18n.M("Mail domain switched on or off"),
	"mail_forward.active":             i18n.M("Alias or forward switched on or off"),
	"mail_forward.create":             i18n.M("Alias or forward added"),
	"mail_forward.delete":             i18n.M("Alias or forward deleted"),
	"mailbox.password.public":         i18n.M("Mailbox password changed by its owner"),
	"mailbox.password.public.lockout": i18n.M("Mailbox password page locked"),
	"mailbox.quota":                   i18n.M("Mailbox quota changed"),
	"passkey.add":                     i18n.M("Passkey added"),
	"passkey.remove":                  i18n.M("Passkey removed"),
	"passkey.signin":                  i18n.M("Signed in with a passkey"),
	"password.change":                 i18n.M("Password changed"),
	"password.reset":                  i18n.M("Password reset"),
	"password.reset.request":          i18n.M("Password reset requested"),
	"payment.event.replay":            i18n.M("Payment event processed again"),
	"payment.settings":                i18n.M("Payment settings changed"),
	"plan.public":                     i18n.M("Plan offered for signup or withdrawn"),
	"platform.add":                    i18n.M("Platform added"),
	"platform.default":                i18n.M("Default platform changed"),
	"platform.settings":               i18n.M("Platform settings changed"),
	"platform.test":                   i18n.M("Platform connection tested"),
	"recovery_codes.regenerate":       i18n.M("Recovery codes renewed"),
	"second_factors.reset":            i18n.M("Second factors reset"),
	"signup.confirm":                  i18n.M("Signup confirmed"),
	"signup.create":                   i18n.M("Signup received"),
	"signup.refused":                  i18n.M("Signup refused"),
	"signup.resend":                   i18n.M("Signup email sent again"),
	"signup.retry":                    i18n.M("Signup set-up retried"),
	"signup.settings":                 i18n.M("Signup settings changed"),
	"signup.setup":                    i18n.M("Signup set up"),
	"site.disable":                    i18n.M("Site switched off"),
	"site.enable":                     i18n.M("Site switched on"),
	"totp.disable":                    i18n.M("Authenticator app removed"),
	"totp.enable":                     i18n.M("Authenticator app set up"),
}

func actionName(a string) string {
	if s, ok := actions[a]; ok {
		return s
	}
	return a
}
