package access

import (
	"context"

	"portal/internal/fail"
	"portal/internal/i18n"
	"portal/internal/store"
)

// SetLanguage records the acting person's language for the portal and the mail it sends them: "en", "de", or ""
// to follow the browser again. It is the acting account's own choice, also while acting as another account.
func (s *Service) SetLanguage(ctx context.Context, a Actor, lang string) error {
	if _, ok := i18n.Parse(lang); !ok && lang != "" {
		return fail.Field("language", "Choose one of the languages.")
	}
	if err := store.NewAccounts(s.pool).SetLanguage(ctx, a.Acting.ID, lang); err != nil {
		s.audit(ctx, nil, a, "account.language", &a.Acting, store.OutcomeFailure, err.Error())
		return err
	}
	detail := lang
	if detail == "" {
		detail = "automatic"
	}
	s.audit(ctx, nil, a, "account.language", &a.Acting, store.OutcomeSuccess, detail)
	return nil
}
